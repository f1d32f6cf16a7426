"""Every page and API answer of the sample corpus, walked and read the way a user reads it.

The walk follows what the site itself offers: each issue, group and item, each facet value
of the search page (its toggle link), every results page, every sort, a search that finds
nothing and one that has to relax, the overview, and then every page linked from any page;
each HTML page beside its JSON twin. On all of them:
no Python repr (`<built-in method …>`, `… at 0x7f…`, a bare None, `[]`/`{}`), no empty
title, and no file name shown where the document or item has a title to show instead.
"""
from __future__ import annotations

import html
import json
import re
from urllib.parse import quote

import pytest

from search.vocabulary import MAX_LIMIT, SORTS

from support import parse_html

REPR = re.compile(r"built-in method|bound method|<function |object at 0x|\bat 0x[0-9a-fA-F]+|0x7f[0-9a-f]{4,}"
                  r"|\bNone\b|\[\]|\{\}|\bUndefined\b|Traceback")
SITE = "援疆简报检索"
# Elements that name a page, a document or an item: where a file name must not stand in.
TITLE_TAGS = ("title", "h1", "h2", "h3")


PAGE_LINK = re.compile(r'href="(/(?:item|issue|group)/[^"#?/]+|/issues|/groups|/overview)"')


def _api_twin(page: str) -> str:
    for html_route, api_route in (("/item/", "/api/items/"), ("/issue/", "/api/issues/"), ("/group/", "/api/groups/"),
                                  ("/issues", "/api/issues"), ("/groups", "/api/groups"),
                                  ("/overview", "/api/overview")):
        if page.startswith(html_route):
            return api_route + page[len(html_route):]
    raise AssertionError(f"no API twin for {page}")


def _get(client, url: str, status: int = 200):
    r = client.get(url)
    assert r.status_code == status, (url, r.status_code, r.get_data(as_text=True)[:300])
    return r


@pytest.fixture(scope="module")
def walk(index_dir):
    """{url: response text} for every page and API answer reachable on the sample corpus,
    and the names of the indexed files: the routes enumerated, then every page they link to."""
    from webui import create_app
    client = create_app({"INDEX_DIR": str(index_dir), "TESTING": True}).test_client()
    answers: dict[str, str] = {}

    def visit(page: str | None, api: str | None, status: int = 200):
        for url in (page, api):
            if url and url not in answers:
                answers[url] = _get(client, url, status).get_data(as_text=True)

    documents = _get(client, "/api/issues").get_json()
    visit("/issues", "/api/issues")
    visit("/groups", "/api/groups")
    for doc in documents:
        if doc["issue"]:
            visit(f"/issue/{doc['issue']}", f"/api/issues/{doc['issue']}")
    for group in _get(client, "/api/groups").get_json():
        name = quote(group["value"])
        visit(f"/group/{name}", f"/api/groups/{name}")

    everything = _get(client, f"/api/search?limit={MAX_LIMIT}").get_json()
    assert everything["total"] == len(everything["hits"]) > 20  # the corpus fits one page
    for hit in everything["hits"]:
        visit(f"/item/{hit['id']}", f"/api/items/{hit['id']}")
        visit(f"/item/{hit['id']}?q={quote('援疆')}", f"/api/items/{hit['id']}?q={quote('援疆')}")

    searches = [f"q={quote(q)}" for q in ("援疆", "南通 医疗", '"民族团结" -医疗', "title:招商", "南通 不存在的词",
                                          "不存在的词 group:南通")]
    searches += [f"page={n}" for n in range(1, everything["total"] // 10 + 2)]
    searches += [f"q={quote('援疆')}&sort={s}" for s in SORTS]
    for args in [""] + searches:
        visit(f"/?{args}", f"/api/search?{args}")
    def toggle(value):  # a sidebar link, and the same toggle in the API
        visit(value["toggle_url"].replace("/api/search", "/", 1), value["toggle_url"])

    for values in _get(client, "/api/search").get_json()["facets"].values():
        for value in values:
            toggle(value)
        # With one value chosen: a second of the same facet (OR), of each other (AND), and off again.
        for more in _get(client, values[0]["toggle_url"]).get_json()["facets"].values():
            for value in more[:2]:
                toggle(value)
    visit("/overview", "/api/overview")
    for hit in everything["hits"]:
        visit(None, f"/api/files/{hit['file_key']}")
    # Then every page any page links to (the file itself and its page images are not pages).
    while True:
        linked = {m.group(1) for url, text in list(answers.items()) if not url.startswith("/api/")
                  for m in PAGE_LINK.finditer(text)} - set(answers)
        if not linked:
            break
        for page in linked:
            visit(page, _api_twin(page))
    visit("/item/00000000-01", "/api/items/00000000-01", status=404)
    visit("/issue/1999-01", "/api/issues/1999-01", status=404)
    return Walk(answers, {doc["source"] for doc in documents})


class Walk:
    def __init__(self, answers: dict[str, str], sources: set[str]):
        self.answers, self.sources = answers, sources
        self.pages = {url: parse_html(text) for url, text in answers.items() if not url.startswith("/api/")}
        self.json = {url: json.loads(text) for url, text in answers.items() if url.startswith("/api/")}


def _json_strings(data, path=""):
    if isinstance(data, dict):
        for k, v in data.items():
            yield from _json_strings(v, f"{path}.{k}")
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from _json_strings(v, f"{path}[{i}]")
    elif isinstance(data, str):
        yield path, data


def _titled(data, path=""):
    """(path, title) of every object in a JSON answer that has a title."""
    if isinstance(data, dict):
        if "title" in data:
            yield path, data["title"]
        for k, v in data.items():
            yield from _titled(v, f"{path}.{k}")
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from _titled(v, f"{path}[{i}]")


def test_the_walk_covers_every_route(walk):
    answers = walk.answers
    for prefix in ("/?", "/issues", "/issue/", "/groups", "/group/", "/item/", "/overview", "/api/search",
                   "/api/issues", "/api/issues/", "/api/groups", "/api/groups/", "/api/items/", "/api/files/",
                   "/api/overview"):
        assert any(url.startswith(prefix) for url in answers), prefix
    assert len(answers) > 150


def test_no_page_or_answer_shows_a_python_repr(walk):
    leaks = []
    for url, data in walk.json.items():
        leaks += [(url, path, REPR.search(s).group(0)) for path, s in _json_strings(data) if REPR.search(s)]
    for url in walk.pages:
        text = html.unescape(walk.answers[url])  # text and attribute values as the browser has them
        m = REPR.search(text)
        if m:
            leaks.append((url, m.group(0), text[max(0, m.start() - 60):m.end() + 20]))
    assert not leaks, leaks[:10]


def test_every_page_and_item_has_a_title(walk):
    empty = []
    for url, doc in walk.pages.items():
        name = doc.find("title").text().replace(SITE, "").strip(" ·")
        if not name:
            empty.append((url, "<title>"))
        for tag in ("h1", "a"):
            for node in doc.find_all(tag):
                if not (node.text().strip() or node.attrs.get("aria-label")):
                    empty.append((url, tag, node.attrs))
    for url, data in walk.json.items():
        empty += [(url, path, title) for path, title in _titled(data)
                  if not (isinstance(title, str) and title.strip())]
    assert not empty, empty[:10]


def test_no_file_name_stands_in_for_a_title(walk):
    shown = []
    for url, doc in walk.pages.items():
        named = [n for tag in TITLE_TAGS for n in doc.find_all(tag)]
        named += [a for a in doc.find_all("a") if not a.attrs.get("href", "").startswith("#")]
        for crumbs in doc.find_all("nav", cls="breadcrumb"):
            named += crumbs.find_all()
        for node in named:
            label = node.text().replace(SITE, "").strip(" ·\n")
            if label in walk.sources:
                shown.append((url, node.tag, label))
    for url, data in walk.json.items():
        shown += [(url, path, title) for path, title in _titled(data) if title in walk.sources]
    assert not shown, shown[:10]
