"""The web UI through Flask's test client: every page and API route, facets, paging, the
source view, escaping of hostile text, error answers and security headers."""
from __future__ import annotations

import json
import re
import shutil
from urllib.parse import parse_qs, urlsplit

import pytest

from search.index import build_index
from search.searcher import Searcher
from webui import create_app

from support import CORPUS, HOSTILE_BODY_1, HOSTILE_TITLE_1, HOSTILE_TITLE_2, hostile_briefing, parse_html

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'none'; frame-ancestors 'none'")


@pytest.fixture(scope="module")
def searcher(index_dir):
    return Searcher(index_dir)


def get_html(client, url, status=200):
    r = client.get(url)
    assert r.status_code == status, (url, r.status_code, r.data[:500])
    assert r.mimetype == "text/html"
    return parse_html(r.data), r.get_data(as_text=True)


def total_of(doc) -> int:
    return int(doc.find(cls="total").attrs["data-total"])


def hit_ids(doc) -> list[str]:
    return [li.attrs["data-id"] for li in doc.find_all("li", cls="hit")]


def facet_links(doc, facet) -> dict[str, tuple[int, str, bool]]:
    """value → (count, href, selected) for one facet of the sidebar."""
    out = {}
    for a in doc.find_all("a", cls="facet-value"):
        if a.attrs.get("data-facet") == facet:
            count = int(a.find(cls="count").text())
            out[a.attrs["data-value"]] = (count, a.attrs["href"], "is-selected" in a.classes)
    return out


def query_of(href) -> dict[str, list[str]]:
    return parse_qs(urlsplit(href).query)


# -- search page ---------------------------------------------------------------------------

def test_search_page_keeps_query_shows_total_time_and_highlighted_hits(client, searcher):
    expected = searcher.search("援疆")
    doc, html = get_html(client, "/?q=援疆")
    assert doc.find("input", id="q").attrs["value"] == "援疆"
    assert total_of(doc) == expected["total"] > 0
    assert "毫秒" in doc.find(id="results-summary").text()
    assert hit_ids(doc) == [h["id"] for h in expected["hits"]]
    first = doc.find("li", cls="hit")
    title_link = first.find("h2", cls="hit-title").find("a")
    assert title_link.find("mark") is not None
    assert query_of(title_link.attrs["href"]) == {"q": ["援疆"]}
    assert urlsplit(title_link.attrs["href"]).path == f"/item/{expected['hits'][0]['id']}"
    assert any(p.find("mark") for p in first.find_all("p", cls="snippet"))
    hit = expected["hits"][0]
    meta = first.find(cls="hit-meta").text()
    assert hit["kind_label"] in meta and hit["group"] in meta and hit["date"] in meta
    assert hit["issue_label"] in meta  # e.g. 2017年第17期


def test_kind_badges_say_article_or_dynamic(client):
    doc, _ = get_html(client, "/?limit=50")
    badges = {b.text() for b in doc.find_all("span", cls="badge")}
    assert {"文章", "动态"} <= badges


def test_empty_query_lists_every_item_newest_first(client, searcher):
    doc, _ = get_html(client, "/?limit=100")
    everything = searcher.search("", limit=100)
    assert total_of(doc) == everything["total"] == len(hit_ids(doc))
    dates = [h["date"] or "" for h in everything["hits"]]
    assert dates == sorted(dates, reverse=True)


def test_choosing_a_group_facet_narrows_results_to_its_count(client):
    doc, _ = get_html(client, "/?q=援疆")
    before = total_of(doc)
    groups = facet_links(doc, "group")
    value, (count, href, selected) = next(iter(groups.items()))
    assert not selected and 0 < count < before
    assert query_of(href) == {"q": ["援疆"], "group": [value]}
    doc2, _ = get_html(client, href)
    assert total_of(doc2) == count
    assert facet_links(doc2, "group")[value][2] is True
    for li in doc2.find_all("li", cls="hit"):
        assert li.find(cls="meta-group").text() == value
    # the other facets now count within the group only
    kinds = facet_links(doc2, "kind")
    assert sum(c for c, _, _ in kinds.values()) == count
    chip = doc2.find("a", cls="chip")
    assert chip is not None and value in chip.text()
    assert query_of(chip.attrs["href"]) == {"q": ["援疆"]}  # removing the chip drops the filter


def test_two_values_of_one_facet_are_or_and_two_facets_are_and(client, searcher):
    counts = {f["value"]: f["count"] for f in searcher.search("援疆")["facets"]["group"]}
    a, b = "南通", "苏州"
    assert counts[a] and counts[b]
    doc, _ = get_html(client, f"/?q=援疆&group={a}&group={b}")
    assert total_of(doc) == counts[a] + counts[b]
    assert len(doc.find_all("a", cls="chip")) == 2
    # a value's link, once chosen, removes just that value
    _, href, selected = facet_links(doc, "group")[a]
    assert selected and query_of(href) == {"q": ["援疆"], "group": [b]}
    # AND across facets
    expected = searcher.search("援疆", {"group": [a, b], "kind": ["dynamic"]})["total"]
    doc2, _ = get_html(client, f"/?q=援疆&group={a}&group={b}&kind=dynamic")
    assert total_of(doc2) == expected < counts[a] + counts[b]
    assert {li.find("span", cls="badge").text() for li in doc2.find_all("li", cls="hit")} == {"动态"}


def test_every_facet_is_in_the_sidebar(client):
    doc, _ = get_html(client, "/")
    names = {s.attrs["class"].split()[1] for s in doc.find_all("section", cls="facet")}
    assert names == {"facet-group", "facet-issue", "facet-kind", "facet-year", "facet-locality", "facet-publisher"}
    issues = facet_links(doc, "issue")
    assert "2017-17" in issues
    label = [a.find(cls="facet-label").text() for a in doc.find_all("a", cls="facet-value")
             if a.attrs["data-value"] == "2017-17"]
    assert label == ["2017年第17期"]


def test_pagination_walks_through_all_results(client, searcher):
    total = searcher.search("", limit=100)["total"]
    seen, page = [], 1
    while True:
        doc, _ = get_html(client, f"/?limit=4&page={page}")
        ids = hit_ids(doc)
        assert ids and len(ids) <= 4
        seen += ids
        nav = doc.find("nav", cls="pagination")
        assert nav is not None
        assert nav.find("span", cls="page-current").text() == str(page)
        nxt = nav.find("a", cls="page-next")
        if nxt is None:
            break
        assert query_of(nxt.attrs["href"])["page"] == [str(page + 1)]
        assert query_of(nxt.attrs["href"])["limit"] == ["4"]
        page += 1
    assert len(seen) == len(set(seen)) == total
    assert page == -(-total // 4)


def test_sort_select_and_newest_oldest_orders(client):
    doc, _ = get_html(client, "/?q=援疆&sort=oldest&limit=50")
    options = {o.attrs["value"]: "selected" in o.attrs for o in doc.find("select", id="sort").find_all("option")}
    assert options == {"relevance": False, "newest": False, "oldest": True}
    assert doc.find("select", id="sort").attrs["form"] == "search-form"
    dates = [li.find("time").text() for li in doc.find_all("li", cls="hit") if li.find("time")]
    assert dates and dates == sorted(dates)
    doc, _ = get_html(client, "/?q=援疆&sort=newest&limit=50")
    dates = [li.find("time").text() for li in doc.find_all("li", cls="hit") if li.find("time")]
    assert dates == sorted(dates, reverse=True)


def test_filters_stay_in_the_search_form_as_hidden_fields(client):
    doc, _ = get_html(client, "/?q=援疆&group=南通&kind=article")
    form = doc.find("form", id="search-form")
    hidden = {(i.attrs["name"], i.attrs["value"]) for i in form.find_all("input", type="hidden")}
    assert hidden == {("group", "南通"), ("kind", "article")}


def test_empty_state_suggests_dropping_a_filter_and_simpler_words(client):
    doc, _ = get_html(client, '/?q="伊宁县 霍尔果斯 不存在的词"&group=南通')
    assert total_of(doc) == 0
    empty = doc.find(cls="empty-state")
    assert empty is not None
    links = {a.text(): a.attrs["href"] for a in empty.find_all("a")}
    drop = [h for t, h in links.items() if "去掉筛选" in t and "南通" in t]
    assert drop and "group" not in query_of(drop[0])
    assert any("引号" in t for t in links)
    assert any(t.startswith("只搜") for t in links)


def test_relaxed_results_carry_a_notice(client, searcher):
    relaxed = searcher.search("南通 医疗")
    assert relaxed["relaxed"] is True
    doc, _ = get_html(client, "/?q=南通 医疗")
    assert doc.find(cls="notice-relaxed") is not None
    assert searcher.search("南通")["relaxed"] is False
    doc, _ = get_html(client, "/?q=南通")
    assert doc.find(cls="notice-relaxed") is None


def test_search_page_explains_the_query_syntax(client):
    doc, _ = get_html(client, "/")
    help_text = doc.find("details", cls="help").text()
    for token in ('"', "-", "title:", "group:", "issue:"):
        assert token in help_text


def test_query_filters_written_in_the_query_work(client, searcher):
    doc, _ = get_html(client, "/?q=援疆 group:南通")
    assert total_of(doc) == searcher.search("援疆", {"group": ["南通"]})["total"] > 0


# -- item page and source view ---------------------------------------------------------

def source_lines(doc):
    """(line number, full text, text inside mark.span) for each line of the source view."""
    out = []
    for line in doc.find("pre", cls="source-text").find_all("span", cls="line"):
        number = int(line.find("span", cls="ln").attrs["data-n"])
        content = line.find("span", cls="lc")
        marked = "".join(m.text() for m in content.find_all("mark", cls="span"))
        out.append((number, content.text(), marked, "in-span" in line.classes))
    return out


def test_item_page_shows_text_metadata_neighbours_contents_and_related(client, searcher):
    first_issue = searcher.issue("2017-17")
    middle = first_issue["items"][1]
    data = searcher.item(middle["id"])
    doc, _ = get_html(client, f"/item/{middle['id']}")
    assert doc.find("h1", id="item-title").text() == data["title"]
    assert doc.find(cls="item-body").text() == data["body"]
    meta = doc.find("dl", cls="item-meta")
    hrefs = {a.attrs["href"] for a in meta.find_all("a")}
    assert "/issue/2017-17" in hrefs
    if data["group"]:
        assert any(urlsplit(h).path.startswith("/group/") for h in hrefs)
    assert data["source"] in meta.text() and data["date"] in meta.text()
    nav = doc.find("nav", cls="prev-next")
    assert nav.find("a", cls="prev").attrs["href"].startswith(f"/item/{data['previous']['id']}")
    assert nav.find("a", cls="next").attrs["href"].startswith(f"/item/{data['next']['id']}")
    contents = doc.find("section", cls="contents").find_all("li")
    assert len(contents) == len(data["contents"])
    assert contents[1].find("span", cls="current") is not None
    related = doc.find("section", cls="related")
    assert [a.attrs["href"] for a in related.find_all("a")] == [f"/item/{r['id']}" for r in data["related"]]


def test_item_highlights_the_query_only_when_given(client, searcher):
    result = searcher.search("医疗")
    hit = result["hits"][0]
    doc, _ = get_html(client, f"/item/{hit['id']}?q=医疗")
    marks = doc.find(cls="item-body").find_all("mark")
    assert marks and {re.sub(r"\s+", "", m.text()) for m in marks} <= set(result["terms"])
    assert doc.find("input", id="q").attrs["value"] == "医疗"
    terms = doc.find("pre", cls="source-text").find_all("mark", cls="term")
    assert terms  # the query's words are marked inside the span of the source as well
    plain, _ = get_html(client, f"/item/{hit['id']}")
    assert plain.find(cls="item-body").find_all("mark") == []
    assert plain.find("pre", cls="source-text").find_all("mark", cls="term") == []


def test_source_view_numbers_lines_and_marks_exactly_the_span(client, searcher):
    for hit in searcher.search("", limit=100)["hits"][:12]:
        data = searcher.item(hit["id"])
        doc, _ = get_html(client, f"/item/{hit['id']}")
        lines = source_lines(doc)
        src = data["source_text"]
        assert [n for n, *_ in lines] == list(range(1, len(lines) + 1))
        assert "\n".join(t for _, t, _, _ in lines) == src["text"]
        span = data["span"]
        inside = [(n, marked) for n, _, marked, flagged in lines if flagged]
        assert [n for n, _ in inside] == list(range(span["line_start"], span["line_end"] + 1))
        assert "\n".join(m for _, m in inside) == src["span"]
        assert all(marked == "" for n, _, marked, flagged in lines if not flagged)
        block = doc.find(id="span")
        assert block is not None and "span-block" in block.classes
        assert block.find("span", cls="line").attrs["id"] == f"L{span['line_start']}"
        assert doc.find("a", href="#span") is not None


def test_source_view_is_addressed_by_item_id_only(client):
    r = client.get("/item/..%2F..%2Fetc%2Fpasswd")
    assert r.status_code == 404
    r = client.get("/item/file:000_3cfd608d3f314a02.txt")
    assert r.status_code == 404
    r = client.get("/item/9ccf5b2165-01?path=/etc/passwd&source=/etc/passwd")
    assert r.status_code == 200 and "root:" not in r.get_data(as_text=True)
    assert "000_3cfd608d3f314a02.txt" in r.get_data(as_text=True)


# -- issues and groups ---------------------------------------------------------------------

def test_issue_page_has_header_contents_and_every_item_in_order(client, searcher):
    issue = searcher.issue("2017-17")
    doc, _ = get_html(client, "/issue/2017-17")
    assert "2017年第17期" in doc.find("h1").text()
    assert issue["publisher"] in doc.find("header", cls="issue-header").text()
    toc = [a.attrs["href"] for a in doc.find("section", cls="issue-contents").find_all("a")]
    assert toc == [f"#item-{it['id']}" for it in issue["items"]]
    articles = doc.find_all("article", cls="issue-item")
    assert [a.attrs["id"] for a in articles] == [f"item-{it['id']}" for it in issue["items"]]
    assert [a.find(cls="item-body").text() for a in articles] == [it["body"] for it in issue["items"]]


def test_issue_key_in_other_spellings_is_understood(client):
    doc, _ = get_html(client, "/issue/2017-9")
    assert "2017年第9期" in doc.find("h1").text()


def test_issues_page_lists_every_document(client, searcher):
    docs = searcher.issues()
    doc, _ = get_html(client, "/issues")
    cards = doc.find_all("li", cls="issue-card")
    assert len(cards) == len(docs) == 5
    hrefs = [c.find("a").attrs["href"] for c in cards]
    assert "/issue/2017-17" in hrefs
    non_briefing = [d for d in docs if not d["issue"]]
    for d in non_briefing:
        assert f"/item/{d['first_item']}" in hrefs
    for card, d in zip(cards, docs):  # each card: its title (a headline, not a file name) and item count
        assert card.find("a").text() == d["title"] != d["source"]
        assert f"{d['items']} 条" in card.text() and d["items"] > 0
    assert any(d["title"] == searcher.item(d["first_item"])["title"] for d in non_briefing)


def test_an_issue_or_story_held_in_several_files_is_listed_once_with_its_files(tmp_path):
    corpus = tmp_path / "corpus"
    samples = {"2017-17.txt": "000_3cfd608d3f314a02.txt", "2017-09.txt": "004_c2737e73021d1899.txt",
               "feature.txt": "003_33cfab6a1a367774.txt"}
    for folder in ("pdf-text", "word-text"):  # two issues and one story, each saved twice
        (corpus / folder).mkdir(parents=True)
        for name, sample in samples.items():
            shutil.copy(CORPUS / sample, corpus / folder / name)
    build_index(corpus, tmp_path / "index")
    works = Searcher(tmp_path / "index").issues()
    assert [(w["issue"], [f["source"] for f in w["files"]]) for w in works] == [
        ("2017-17", ["pdf-text/2017-17.txt", "word-text/2017-17.txt"]),
        ("2017-09", ["pdf-text/2017-09.txt", "word-text/2017-09.txt"]),
        (None, ["pdf-text/feature.txt", "word-text/feature.txt"])]
    client = create_app({"INDEX_DIR": str(tmp_path / "index"), "TESTING": True}).test_client()
    doc, _ = get_html(client, "/issues")
    assert "共 3 期（篇）· 6 份文件" in doc.find("h1").text()
    cards = doc.find_all("li", cls="issue-card")
    assert len(cards) == 3 and "pdf-text/2017-17.txt · word-text/2017-17.txt" in cards[0].text()
    overview = client.get("/api/overview").get_json()
    assert overview["totals"]["files"] == 6
    assert [d["issue"] for d in overview["newest_issues"]] == ["2017-17", "2017-09"]


def test_group_page_lists_items_newest_first_with_counts_per_issue(client, searcher):
    group = searcher.group("南通")
    doc, _ = get_html(client, "/group/南通")
    assert f"共 {group['total']} 条" in doc.find("h1").text()
    items = doc.find("section", cls="group-items").find_all("li", cls="hit")
    assert [li.find("a").attrs["href"] for li in items] == [f"/item/{it['id']}" for it in group["items"]]
    dates = [it["date"] or "" for it in group["items"]]
    assert dates == sorted(dates, reverse=True)
    counts = {li.find("a").text(): int(li.find(cls="count").text())
              for li in doc.find("aside", cls="group-issues").find_all("li") if li.find("a")}
    assert counts == {r["label"]: r["count"] for r in group["issues"] if r["value"]}
    assert sum(counts.values()) <= group["total"]


def test_groups_page_links_every_group(client, searcher):
    doc, _ = get_html(client, "/groups")
    links = [a.attrs["href"] for a in doc.find("ul", cls="group-grid").find_all("a")]
    assert len(links) == len(searcher.facet_values("group")) > 3


# -- JSON API --------------------------------------------------------------------------------

def as_json(data):
    return json.loads(json.dumps(data))  # tuples become lists, as on the wire


def without_time(result):
    return {k: v for k, v in as_json(result).items() if k != "took_ms"}


def test_api_search_returns_the_searcher_result(client, searcher):
    r = client.get("/api/search?q=援疆&group=南通&group=苏州&sort=newest&page=1&limit=3")
    assert r.status_code == 200 and r.mimetype == "application/json"
    data = r.get_json()
    expected = searcher.search("援疆", {"group": ["南通", "苏州"]}, sort="newest", page=1, limit=3)
    toggles = {(f, v["value"]): v.pop("toggle_url") for f, values in data["facets"].items() for v in values}
    assert without_time(data) == without_time(expected)  # besides the toggle URLs, the Searcher's answer
    assert toggles and all(url.startswith("/api/search?") for url in toggles.values())
    wider = client.get(toggles[("group", "苏州")]).get_json()
    assert wider["filters"] == {"group": ["南通"]} and wider["sort"] == "newest" and wider["limit"] == 3
    assert isinstance(data["took_ms"], (int, float))
    assert "援疆" in r.get_data(as_text=True)  # not \u-escaped


def test_api_items_issues_and_groups(client, searcher):
    hit = searcher.search("医疗")["hits"][0]
    assert client.get(f"/api/items/{hit['id']}?q=医疗").get_json() == as_json(searcher.item(hit["id"], q="医疗"))
    assert client.get("/api/issues").get_json() == as_json(searcher.issues())
    assert client.get("/api/issues/2017-17").get_json() == as_json(searcher.issue("2017-17"))
    assert client.get("/api/groups/南通").get_json() == as_json(searcher.group("南通"))


@pytest.mark.parametrize("url,status", [
    ("/api/search?page=x", 400),
    ("/api/search?page=0", 400),
    ("/api/search?limit=0", 400),
    ("/api/search?limit=1000", 400),
    ("/api/search?limit=ten", 400),
    ("/api/search?sort=best", 400),
    ("/api/search?q=" + "援" * 201, 400),
    ("/api/search?q=" + "援" * 500, 400),
    ("/api/search?page=999999", 400),
    ("/api/items/no-such-item", 404),
    ("/api/issues/2099-01", 404),
    ("/api/groups/不存在的组", 404),
    ("/api/nothing", 404),
])
def test_api_errors_are_json_with_status(client, url, status):
    r = client.get(url)
    assert r.status_code == status
    assert r.mimetype == "application/json"
    error = r.get_json()["error"]
    assert error["status"] == status and error["message"]
    assert "Traceback" not in r.get_data(as_text=True)


def test_api_without_index_is_503_and_recovers_once_built(tmp_path):
    app = create_app({"INDEX_DIR": str(tmp_path / "index"), "TESTING": True})
    client = app.test_client()
    r = client.get("/api/search?q=援疆")
    assert r.status_code == 503 and r.get_json()["error"]["status"] == 503
    r = client.get("/?q=援疆")
    assert r.status_code == 503 and "暂时无法检索" in r.get_data(as_text=True)
    build_index(CORPUS, tmp_path / "index")
    assert client.get("/api/search?q=援疆").status_code == 200


# -- HTML errors ---------------------------------------------------------------------------

@pytest.mark.parametrize("url,fragment", [
    ("/?page=x", "page"),
    ("/?page=-1", "页码"),
    ("/?limit=1000", "每页条数"),
    ("/?sort=random", "random"),
    ("/?q=" + "援" * 300, "查询太长"),
    ("/?q=" + "援" * 201, "查询太长"),
    ("/item/9ccf5b2165-01?q=" + "x" * 401, "查询太长"),
])
def test_bad_parameters_get_a_friendly_400_page(client, url, fragment):
    doc, html = get_html(client, url, status=400)
    assert fragment in doc.find(cls="error-message").text()
    assert "Traceback" not in html
    assert doc.find("form", id="search-form") is not None  # the user can search again


@pytest.mark.parametrize("url", ["/item/no-such-item", "/issue/2099-01", "/issue/rubbish",
                                 "/group/不存在的组", "/no/such/page"])
def test_unknown_things_get_a_friendly_404_page(client, url):
    doc, html = get_html(client, url, status=404)
    assert "未找到" in doc.find("h1").text()
    assert doc.find("a", href="/") is not None or doc.find("a", cls="button") is not None


def test_unexpected_errors_show_a_plain_500_page(index_dir):
    app = create_app({"INDEX_DIR": str(index_dir)})

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret detail /etc/passwd")

    @app.get("/api/boom")
    def api_boom():
        raise RuntimeError("secret detail /etc/passwd")

    client = app.test_client()
    r = client.get("/boom")
    assert r.status_code == 500
    body = r.get_data(as_text=True)
    assert "服务器" in body and "secret detail" not in body and "Traceback" not in body
    r = client.get("/api/boom")
    assert r.status_code == 500 and r.get_json()["error"]["status"] == 500
    assert "secret" not in r.get_data(as_text=True)


def test_post_is_not_allowed(client):
    r = client.post("/api/search")
    assert r.status_code == 405 and r.get_json()["error"]["status"] == 405


# -- security ------------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["/", "/?q=援疆", "/item/9ccf5b2165-01", "/issues", "/api/search",
                                 "/api/items/nope", "/nothing", "/?page=x", "/static/style.css"])
def test_security_headers_on_every_answer(client, url):
    r = client.get(url)
    csp = r.headers["Content-Security-Policy"]
    assert csp.startswith(CSP)
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"] in ("same-origin", "no-referrer", "strict-origin-when-cross-origin")
    assert r.headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("url", ["/?q=援疆", "/item/9ccf5b2165-01?q=医疗", "/issue/2017-17", "/issues",
                                 "/group/南通", "/groups", "/nothing", "/?page=x"])
def test_pages_have_no_inline_script_style_or_handlers(client, url):
    html = client.get(url).get_data(as_text=True)
    doc = parse_html(html)
    for script in doc.find_all("script"):
        assert script.attrs.get("src", "").startswith("/static/") and not script.text().strip()
    for node in doc.iter():
        assert "style" not in node.attrs, (node.tag, node.attrs)
        assert not [a for a in node.attrs if a.startswith("on")], (node.tag, node.attrs)
    assert doc.find("style") is None


@pytest.fixture
def hostile_client(hostile_index_dir):
    return create_app({"INDEX_DIR": str(hostile_index_dir), "TESTING": True}).test_client()


def assert_no_injected_markup(html: str):
    doc = parse_html(html)
    assert not [s for s in doc.find_all("script") if not s.attrs.get("src")]
    assert doc.find_all("img") == []
    assert doc.find_all("b") == []
    assert "window.__xss" not in "".join(s.text() for s in doc.find_all("script"))
    for node in doc.iter():
        assert "onerror" not in node.attrs


def test_hostile_titles_and_bodies_are_escaped_everywhere(hostile_client):
    s = hostile_client
    r = s.get("/?q=script")
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    doc = parse_html(html)
    assert total_of(doc) >= 1
    assert_no_injected_markup(html)
    titles = [h.text() for h in doc.find_all("h2", cls="hit-title")]
    assert HOSTILE_TITLE_1 in titles  # shown as text, exactly as written
    assert "&lt;<mark>script</mark>&gt;" in html
    for url in ("/?q=onerror", "/?q=img", "/", "/issues", "/issue/2030-01", "/group/南通", "/group/苏州",
                "/groups"):
        r = s.get(url)
        assert r.status_code == 200, url
        assert_no_injected_markup(r.get_data(as_text=True))
    items = s.get("/api/search?limit=10").get_json()["hits"]
    assert {h["title"] for h in items} == {HOSTILE_TITLE_1, HOSTILE_TITLE_2}
    for h in items:
        for q in ("", "script", "img onerror"):
            r = s.get(f"/item/{h['id']}", query_string={"q": q} if q else None)
            assert r.status_code == 200
            page = r.get_data(as_text=True)
            assert_no_injected_markup(page)
            doc = parse_html(page)
            assert doc.find("h1", id="item-title").text() == h["title"]
            assert "\n".join(t for _, t, _, _ in source_lines(doc)) == hostile_briefing()
    first = next(h for h in items if h["title"] == HOSTILE_TITLE_1)
    body = parse_html(s.get(f"/item/{first['id']}").get_data(as_text=True)).find(cls="item-body").text()
    assert body == first["body"] and HOSTILE_BODY_1 in body


@pytest.mark.parametrize("url", [
    "/?q=<script>window.__xss=1</script>",
    '/?q="><img src=x onerror=alert(1)>',
    '/?q=援疆&group="><img src=x onerror=alert(1)>',
    '/?locality=<script>alert(1)</script>',
    '/item/9ccf5b2165-01?q="><img src=x onerror=alert(1)>',
    '/item/"><img src=x onerror=alert(1)>',
    '/issue/<script>alert(1)</script>',
    '/api/items/"><img src=x onerror=alert(1)>',
])
def test_hostile_parameters_are_escaped(client, url):
    r = client.get(url)
    assert r.status_code in (200, 400, 404)
    html = r.get_data(as_text=True)
    if url.startswith("/api/"):
        assert r.mimetype == "application/json"  # never rendered as HTML (and nosniff is set)
    else:
        assert r.mimetype == "text/html"
        assert_no_injected_markup(html)


def test_hostile_query_is_kept_in_the_box_as_text(client):
    q = '"><img src=x onerror=alert(1)>'
    r = client.get("/", query_string={"q": q})
    doc = parse_html(r.data)
    assert doc.find("input", id="q").attrs["value"] == q
    assert 'value="&#34;&gt;&lt;img' in r.get_data(as_text=True) or \
        'value="&quot;&gt;&lt;img' in r.get_data(as_text=True)


def test_config_comes_from_environment_when_not_given(monkeypatch, index_dir):
    monkeypatch.setenv("BRIEFING_INDEX_DIR", str(index_dir))
    app = create_app()
    assert app.config["INDEX_DIR"] == str(index_dir)
    assert app.test_client().get("/api/issues").status_code == 200


def test_one_searcher_per_app(app):
    client = app.test_client()
    client.get("/?q=援疆")
    first = app.extensions["briefing_searcher"].get()
    client.get("/?q=南通")
    client.get("/api/issues")
    assert app.extensions["briefing_searcher"].get() is first


def test_static_files_are_served(client):
    assert client.get("/static/style.css").status_code == 200
    js = client.get("/static/app.js")
    assert js.status_code == 200 and b"scrollIntoView" in js.data
