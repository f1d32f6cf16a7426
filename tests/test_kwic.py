"""The concordance (/kwic, /api/kwic, /kwic.csv): every occurrence the highlighter marks,
one line each, aligned on the word, sortable by either context, filtered as search is."""
from __future__ import annotations

import csv
import io
import re
from urllib.parse import parse_qs, urlsplit

import pytest

import search.searcher
from search.analysis import normalize
from search.query.highlight import compile_terms, find_spans
from search.searcher import Searcher

from support import parse_html


@pytest.fixture(scope="module")
def searcher(index_dir):
    return Searcher(index_dir)


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def marked_occurrences(searcher, q, **filters) -> int:
    """How many words a results page would mark in the titles and bodies of the result set."""
    result = searcher.search(q, filters or None, limit=100)
    pattern = compile_terms(result["terms"])
    return sum(len(find_spans(h["title"], pattern)) + len(find_spans(h["body"], pattern)) for h in result["hits"])


def test_every_marked_occurrence_is_one_line_with_its_context(client, searcher):
    data = client.get("/api/kwic?q=援疆").get_json()
    lines = data["lines"]
    assert len(lines) == marked_occurrences(searcher, "援疆") > 50 and not data["truncated"]
    assert data["items"] == data["total"] == searcher.search("援疆")["total"]
    bodies = {h["id"]: (h["title"], h["body"]) for h in searcher.search("援疆", limit=100)["hits"]}
    for line in lines:
        assert line["keyword"] == "援疆"
        assert 0 < len(line["left"]) + len(line["right"]) and max(len(line["left"]), len(line["right"])) <= 30
        title, body = bodies[line["id"]]
        text = title if line["field"] == "title" else body
        assert squash(line["left"] + line["keyword"] + line["right"]) in squash(text)
        assert text[line["offset"]:line["offset"] + 2] == "援疆"
    # in the order of the results, and within an item in reading order
    order = [h["id"] for h in searcher.search("援疆", limit=100)["hits"]]
    assert [line["id"] for line in lines] == sorted((line["id"] for line in lines), key=order.index)


def test_traditional_script_and_filters_find_what_search_finds(client, searcher):
    simplified = client.get("/api/kwic?q=霍尔果斯").get_json()["lines"]
    traditional = client.get("/api/kwic?q=霍爾果斯").get_json()["lines"]
    assert simplified and [(x["id"], x["offset"]) for x in simplified] == [(x["id"], x["offset"]) for x in traditional]
    filtered = client.get("/api/kwic?q=援疆&group=南通").get_json()
    assert filtered["filters"] == {"group": ["南通"]}
    assert {line["group"] for line in filtered["lines"]} == {"南通"}
    assert len(filtered["lines"]) == marked_occurrences(searcher, "援疆", group=["南通"])
    ranged = client.get("/api/kwic?q=援疆&date_from=2017-08-01").get_json()
    assert ranged["lines"] and all(line["date"] >= "2017-08-01" for line in ranged["lines"])


@pytest.mark.parametrize("side", ["left", "right"])
def test_lines_sort_by_the_left_context_read_backwards_or_the_right_one(client, side):
    lines = client.get(f"/api/kwic?q=援疆&sort={side}").get_json()["lines"]
    unsorted = client.get("/api/kwic?q=援疆").get_json()["lines"]
    assert sorted(map(str, lines)) == sorted(map(str, unsorted))

    def key(line):
        folded = normalize(line[side]).replace(" ", "")
        return folded[::-1] if side == "left" else folded
    assert [key(x) for x in lines] == sorted(key(x) for x in lines)
    # the nearest character decides first
    if side == "left":
        nearest = [normalize(x["left"].replace(" ", ""))[-1:] for x in lines]
        assert nearest == sorted(nearest) and len(set(nearest)) > 3


def test_page_is_a_table_aligned_on_the_word_with_sort_links_and_item_links(client):
    doc = parse_html(client.get("/kwic?q=援疆&group=南通").data)
    rows = doc.find("table", cls="kwic").find("tbody").find_all("tr")
    assert int(doc.find(cls="kwic-count").attrs["data-lines"]) == len(rows) > 0
    for row in rows:
        cells = row.find_all("td")
        assert [c.classes & {"kwic-left", "kwic-key", "kwic-right", "kwic-source"} for c in cells] == [
            {"kwic-left"}, {"kwic-key"}, {"kwic-right"}, {"kwic-source"}]
        link = cells[1].find("a")
        assert link.text() == "援疆" and urlsplit(link.attrs["href"]).path == f"/item/{row.attrs['data-id']}"
        assert parse_qs(urlsplit(link.attrs["href"]).query)["q"] == ["援疆"]
    sorts = {a.text(): parse_qs(urlsplit(a.attrs["href"]).query) for a in doc.find("nav", cls="kwic-sorts").find_all("a")}
    assert sorts["按左侧语境"] == {"q": ["援疆"], "group": ["南通"], "sort": ["left"]}
    assert sorts["按右侧语境"]["sort"] == ["right"]
    # the form keeps the filters for the next word
    assert doc.find("form", cls="kwic-form").find("input", name="group").attrs["value"] == "南通"
    left = parse_html(client.get("/kwic?q=援疆&sort=left").data)
    assert left.find("th", cls="kwic-left").attrs.get("aria-sort") == "ascending"
    assert left.find("nav", cls="kwic-sorts").find("strong").text() == "按左侧语境"


def test_results_page_links_its_concordance_with_its_filters(client):
    doc = parse_html(client.get("/?q=援疆&kind=article").data)
    link = doc.find("a", cls="kwic-link")
    assert urlsplit(link.attrs["href"]).path == "/kwic"
    assert parse_qs(urlsplit(link.attrs["href"]).query) == {"q": ["援疆"], "kind": ["article"]}
    assert parse_html(client.get("/").data).find("a", cls="kwic-link") is None  # no word, no concordance


def test_csv_has_a_bom_a_header_and_one_row_per_line(client):
    lines = client.get("/api/kwic?q=霍尔果斯").get_json()["lines"]
    r = client.get("/kwic.csv?q=霍尔果斯")
    assert r.status_code == 200 and r.mimetype == "text/csv" and r.data.startswith(b"\xef\xbb\xbf")
    assert "attachment" in r.headers["Content-Disposition"] and r.headers["X-Line-Count"] == str(len(lines))
    rows = list(csv.DictReader(io.StringIO(r.data.decode("utf-8-sig"))))
    assert [(x["id"], x["left"], x["keyword"], x["right"]) for x in rows] == [
        (x["id"], x["left"], x["keyword"], x["right"]) for x in lines]
    assert all(x["url"] == f"http://localhost/item/{x['id']}" for x in rows)
    assert set(rows[0]) == {"id", "title", "issue", "date", "source", "field", "left", "keyword", "right", "url"}


def test_a_stated_cap_on_lines(client, monkeypatch):
    monkeypatch.setattr(search.searcher, "KWIC_MAX_LINES", 7)
    data = client.get("/api/kwic?q=援疆").get_json()
    assert data["truncated"] and data["max_lines"] == 7 and len(data["lines"]) == 7
    doc = parse_html(client.get("/kwic?q=援疆").data)
    assert "只列出前 7 处" in doc.find("p", cls="notice").text()
    assert len(doc.find("table", cls="kwic").find("tbody").find_all("tr")) == 7


def test_no_word_no_match_and_bad_parameters(client):
    intro = parse_html(client.get("/kwic").data)
    assert intro.find("table", cls="kwic") is None and intro.find("input", id="kwic-q") is not None
    missing = client.get("/api/kwic")
    assert missing.status_code == 400 and "检索词" in missing.get_json()["error"]["message"]
    none = client.get("/api/kwic?q=不存在的词语组合").get_json()
    assert none["lines"] == [] and none["total"] == 0
    assert parse_html(client.get("/kwic?q=不存在的词语组合").data).find(cls="empty-state") is not None
    for url in ("/api/kwic?q=援疆&sort=sideways", "/kwic?q=援疆&sort=sideways", "/kwic.csv?q=援疆&versions=x",
                "/api/kwic?q=援疆&date_from=2017-13-40"):
        assert client.get(url).status_code == 400, url
