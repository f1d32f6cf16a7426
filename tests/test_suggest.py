"""/api/suggest: groups (also by alias), places, issues, words and titles for what the user
has typed, each with the address it leads to; and the search box that asks for them."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from search.vocabulary import SUGGEST_KIND_LIMIT, SUGGEST_LIMIT

from support import parse_html


def suggest(client, q) -> list[dict]:
    r = client.get("/api/suggest", query_string={"q": q})
    assert r.status_code == 200 and r.mimetype == "application/json"
    data = r.get_json()
    assert data["query"] == q.strip()
    return data["suggestions"]


def kinds(found, kind) -> list[str]:
    return [s["label"] for s in found if s["kind"] == kind]


def test_a_group_prefix_suggests_the_group_its_word_and_titles(client, searcher_counts):
    found = suggest(client, "南通")
    assert found[0] == {"kind": "group", "kind_label": "工作组", "value": "南通", "label": "南通",
                        "count": searcher_counts("group", "南通"), "url": "/?group=%E5%8D%97%E9%80%9A"}
    assert "南通" in kinds(found, "word")
    titles = [s for s in found if s["kind"] == "title"]
    assert titles and all("南通" in s["label"] for s in titles)
    assert all(urlsplit(s["url"]).path == f"/item/{s['value']}" for s in titles)
    word = next(s for s in found if s["kind"] == "word")
    assert parse_qs(urlsplit(word["url"]).query) == {"q": [word["value"]]}


def test_places_issues_aliases_and_traditional_script(client, searcher_counts):
    places = suggest(client, "伊宁")
    assert {"伊宁县", "伊宁市"} <= set(kinds(places, "locality"))
    assert parse_qs(urlsplit(next(s for s in places if s["label"] == "伊宁县")["url"]).query) == {"locality": ["伊宁县"]}
    assert suggest(client, "霍爾果")[0]["label"] == "霍尔果斯"
    issues = suggest(client, "2017年第1")
    assert kinds(issues, "issue") == ["2017年第17期"]
    assert parse_qs(urlsplit(issues[0]["url"]).query) == {"issue": ["2017-17"]}
    assert "2017年第17期" in kinds(suggest(client, "2017-17"), "issue")
    # 海门 is one of 南通's names (groups.toml): typing it suggests the group
    assert kinds(suggest(client, "海门"), "group") == ["南通"]


def test_words_are_the_frequent_ones_most_frequent_first_and_lists_are_short(client):
    found = suggest(client, "援")
    words = [s for s in found if s["kind"] == "word"]
    assert [w["label"] for w in words][:1] == ["援疆"]
    assert [w["count"] for w in words] == sorted((w["count"] for w in words), reverse=True)
    assert all(w["label"].startswith("援") for w in words)
    assert len(found) <= SUGGEST_LIMIT
    for kind in ("group", "locality", "issue", "word", "title"):
        assert len(kinds(found, kind)) <= SUGGEST_KIND_LIMIT


@pytest.mark.parametrize("q", ["", "   ", "不存在的词语组合", "x" * 60, "<script>"])
def test_nothing_to_suggest_is_an_empty_list(client, q):
    assert suggest(client, q) == []


def test_too_long_a_parameter_is_a_clear_400(client):
    r = client.get("/api/suggest", query_string={"q": "援" * 1000})
    assert r.status_code == 400 and "error" in r.get_json()


def test_the_search_box_names_its_suggestions_and_works_without_them(client):
    doc = parse_html(client.get("/").data)
    box = doc.find("input", id="q")
    assert box.attrs["data-suggest"] == "/api/suggest" and box.attrs["autocomplete"] == "off"
    # the combobox roles are the script's to add: without it the box is a plain search field
    assert "role" not in box.attrs and box.find_all("ul") == []
    scripts = [s.attrs["src"] for s in doc.find_all("script")]
    assert "/static/suggest.js" in scripts
    assert client.get("/static/suggest.js").status_code == 200


@pytest.fixture
def searcher_counts(index_dir):
    from search.searcher import Searcher
    s = Searcher(index_dir)

    def count(facet, value):
        return next(v["count"] for v in s.facet_values(facet) if v["value"] == value)
    return count
