"""One definition of facets, sorts, kinds and limits (search.vocabulary), and the facet
values every page and API answer builds from it: label, count, selected, toggle URL."""
from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

import search

from search.cli import build_parser
from search.index.documents import item_fields
from search.model import Document, Item, Span
from search.query.language import FILTER_FIELDS, join_terms, parse_query, split_terms
from search.store.columns import VALUE_FIELDS
from search.store.schema import build_schema
from search.vocabulary import (DEFAULT_LIMIT, FACET_LABELS, FACET_NAMES, FACETS, KIND_LABELS, KINDS, SORT_LABELS,
                               SORTS, facet_value_label, issue_label)

from support import parse_html


def query_of(href) -> dict[str, list[str]]:
    return parse_qs(urlsplit(href).query)


# -- every stage takes its facets, sorts and kinds from the vocabulary -------------------

def test_every_facet_is_a_column_a_filter_and_a_cli_option():
    schema = build_schema()
    for name in FACET_NAMES:
        assert schema[name].column_type is not None, name  # sortable
        assert name in VALUE_FIELDS and name in FILTER_FIELDS
    query = build_parser()._subparsers._group_actions[0].choices["query"]
    options = {a.dest: a for a in query._actions}
    for facet in FACETS:
        assert options[facet.name].option_strings == [f"--{facet.name}"]
        assert options[facet.name].choices == facet.choices
    assert tuple(options["sort"].choices) == SORTS and options["limit"].default == DEFAULT_LIMIT
    assert options["kind"].choices == KINDS


def test_indexer_reads_each_facet_from_where_its_definition_says():
    doc = Document("a/b.txt", "0" * 64, "x", "utf-8", "briefing", year=2017, issue_no=9, publisher="指挥部")
    item = Item("dynamic", "题", "正文", 1, Span(0, 1, 1, 1), group="南通", locality="伊宁县")
    fields = item_fields(doc, item)
    assert {name: fields[name] for name in FACET_NAMES} == {
        "group": "南通", "issue": "2017-09", "kind": "dynamic", "year": "2017", "locality": "伊宁县",
        "publisher": "指挥部"}


@pytest.mark.parametrize("facet, value, label", [
    ("issue", "2017-09", "2017年第9期"), ("year", "2017", "2017年"), ("kind", "dynamic", "动态"),
    ("kind", "article", "文章"), ("group", "南通", "南通"), ("issue", "odd", "odd"),
])
def test_facet_value_labels(facet, value, label):
    assert facet_value_label(facet, value) == label


def test_issue_label_of_nothing_is_nothing():
    assert issue_label(None) is None and issue_label("") is None


@pytest.mark.parametrize("typed, kind", [(label, kind) for kind, label in KIND_LABELS.items()]
                         + [(kind, kind) for kind in KINDS])
def test_kind_filter_takes_label_or_name(typed, kind):
    assert parse_query(f"援疆 kind:{typed}").filters == {"kind": [kind]}


# -- the query's terms as typed (what the "try instead" suggestions rewrite) -------------

@pytest.mark.parametrize("q, typed, unquoted", [
    ('南通  "援疆 干部"', ["南通", '"援疆 干部"'], "南通 援疆 干部"),
    ('-title:“招商” group:南通', ["-title:“招商”", "group:南通"], "-title:招商 group:南通"),
    ("http://x 医疗", ["http://x", "医疗"], "http://x 医疗"),
])
def test_split_terms_keeps_what_was_typed(q, typed, unquoted):
    terms = split_terms(q)
    assert [t.typed for t in terms] == typed
    assert join_terms(t.unquoted() for t in terms) == unquoted


def test_term_kinds():
    neg, field, filt, other = split_terms('-医疗 Title:招商 GROUP:南通 abc:def')
    assert neg.negated and neg.text == "医疗" and not neg.filter
    assert field.field == "title" and field.text == "招商"
    assert filt.filter == "group" and filt.value == "南通"
    assert not other.filter and not other.field and other.text == "abc:def"


# -- facet values on the page and in the API --------------------------------------------

def test_api_facet_values_carry_label_count_selected_and_a_working_toggle_url(client):
    data = client.get("/api/search?q=援疆&kind=dynamic").get_json()
    assert list(data["facets"]) == list(FACET_NAMES)
    for facet, values in data["facets"].items():
        for v in values:
            assert set(v) == {"value", "label", "count", "selected", "toggle_url"}
            assert v["label"] == facet_value_label(facet, v["value"])
            toggled = client.get(v["toggle_url"]).get_json()
            if v["selected"]:
                assert v["value"] not in toggled["filters"].get(facet, [])
            else:
                assert v["value"] in toggled["filters"][facet]
                assert toggled["total"] <= data["total"] or facet in data["filters"]


def test_sidebar_sections_follow_the_vocabulary(client):
    doc = parse_html(client.get("/?q=援疆").data)
    headings = [s.find("h3").text().strip() for s in doc.find_all("section", cls="facet")]
    assert headings == [FACET_LABELS[name] for name in FACET_NAMES]
    options = [o.text().strip() for o in doc.find("select", id="sort").find_all("option")]
    assert options == list(SORT_LABELS.values())


def test_removing_a_filter_typed_in_the_query_removes_it_from_the_query(client):
    doc = parse_html(client.get("/?q=援疆+group:南通&kind=dynamic").data)
    chips = {c.find(cls="chip-facet").text(): c.attrs["href"] for c in doc.find_all("a", cls="chip")}
    group = query_of(chips[FACET_LABELS["group"]])
    assert group["q"] == ["援疆"] and group["kind"] == ["dynamic"] and "group" not in group
    kind = query_of(chips[FACET_LABELS["kind"]])
    assert kind["q"] == ["援疆 group:南通"] and "kind" not in kind
    clear = query_of(doc.find("a", cls="chip-clear").attrs["href"])
    assert clear == {"q": ["援疆"]}


def test_suggestions_rewrite_the_query_by_its_terms(client):
    doc = parse_html(client.get('/?q=zzqq+-医疗+"南通+不存在词"+group:苏州').data)
    links = {a.text(): query_of(a.attrs["href"]).get("q", [""])[0]
             for a in doc.find(cls="suggestions").find_all("a")}
    assert links["不用引号（不要求词语紧挨着）"] == "zzqq -医疗 南通 不存在词 group:苏州"
    assert links["不排除任何词"] == 'zzqq "南通 不存在词" group:苏州'
    assert {t for t in links if t.startswith("只搜")} == {"只搜“zzqq”", "只搜“南通”", "只搜“不存在词”"}
    assert links["去掉筛选“工作组：苏州”"] == 'zzqq -医疗 "南通 不存在词"'


# -- the version, written once ----------------------------------------------------------

def test_the_version_is_written_once_in_search_init():
    project = tomllib.loads((Path(__file__).resolve().parent.parent / "pyproject.toml").read_text("utf-8"))
    assert "version" not in project["project"] and "version" in project["project"]["dynamic"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "search.__version__"}
    out = subprocess.run([sys.executable, "-m", "search", "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["python", "-m", "search", search.__version__]
