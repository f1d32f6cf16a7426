"""webui.params: a request's search parameters read and checked for shape, and the URLs of
the same search with one thing changed (a page, a sort, a facet value toggled)."""
from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest
from werkzeug.datastructures import MultiDict

from search.query.language import QueryError
from search.vocabulary import (DEFAULT_LIMIT, DEFAULT_SORT, DEFAULT_VERSIONS, MAX_DATE_CHARS, MAX_FILTER_CHARS,
                               MAX_FILTER_VALUES, MAX_QUERY_PARAM_CHARS)
from webui.params import SearchParams, read_search_params


def read(pairs) -> SearchParams:
    return read_search_params(MultiDict(pairs))


def test_an_empty_request_is_the_default_search():
    assert read([]) == SearchParams()
    p = SearchParams()
    assert (p.q, p.filters, p.sort, p.page, p.limit, p.versions) == ("", {}, DEFAULT_SORT, 1, DEFAULT_LIMIT,
                                                                     DEFAULT_VERSIONS)


@pytest.mark.parametrize("pairs,expected", [
    ([("q", "  援疆  ")], {"q": "援疆"}),
    ([("group", "南通"), ("group", "苏州")], {"filters": {"group": ["南通", "苏州"]}}),
    ([("group", " 南通 "), ("group", "南通"), ("group", "")], {"filters": {"group": ["南通"]}}),  # once, trimmed
    ([("kind", "dynamic"), ("year", "2017")], {"filters": {"kind": ["dynamic"], "year": ["2017"]}}),
    ([("unknown", "x")], {}),  # not a facet: ignored
    ([("sort", "newest")], {"sort": "newest"}),
    ([("sort", "  ")], {"sort": DEFAULT_SORT}),
    ([("sort", "nonsense")], {"sort": "nonsense"}),  # the Searcher says which sorts exist
    ([("page", " 3 ")], {"page": 3}),
    ([("page", "")], {"page": 1}),
    ([("limit", "50")], {"limit": 50}),
    ([("limit", "100000")], {"limit": 100000}),  # the Searcher checks the range
    ([("date_from", "2017-01"), ("date_to", " 2018 ")], {"date_from": "2017-01", "date_to": "2018"}),
    ([("versions", "all")], {"versions": "all"}),
])
def test_reading_a_request(pairs, expected):
    assert read(pairs) == SearchParams(**expected)


@pytest.mark.parametrize("pairs,message", [
    ([("q", "援" * (MAX_QUERY_PARAM_CHARS + 1))], "query too long"),
    ([("group", "南" * (MAX_FILTER_CHARS + 1))], "filter value too long"),
    ([("group", f"组{n}") for n in range(MAX_FILTER_VALUES + 1)], "too many values for group"),
    ([("page", "two")], "page must be an integer"),
    ([("page", "1.5")], "page must be an integer"),
    ([("limit", "0x10")], "limit must be an integer"),
    ([("date_from", "2" * (MAX_DATE_CHARS + 1))], "date_from too long"),
])
def test_malformed_requests_say_what_is_wrong(pairs, message):
    with pytest.raises(QueryError, match=message):
        read(pairs)


def test_the_longest_values_allowed_are_read():
    p = read([("q", "援" * MAX_QUERY_PARAM_CHARS), ("group", "南" * MAX_FILTER_CHARS)]
             + [("kind", f"k{n}") for n in range(MAX_FILTER_VALUES)])
    assert len(p.q) == MAX_QUERY_PARAM_CHARS and len(p.filters["kind"]) == MAX_FILTER_VALUES


@pytest.mark.parametrize("params,changes,expected", [
    (SearchParams(), {}, []),
    (SearchParams(q="援疆", sort="newest", page=2, limit=20), {},
     [("q", "援疆"), ("sort", "newest"), ("limit", "20"), ("page", "2")]),
    (SearchParams(q="援疆", page=3), {"page": 1}, [("q", "援疆")]),  # defaults are left out
    (SearchParams(q="援疆", sort="oldest"), {"sort": DEFAULT_SORT}, [("q", "援疆")]),
    (SearchParams(filters={"kind": ["article"], "group": ["南通", "苏州"]}), {},
     [("group", "南通"), ("group", "苏州"), ("kind", "article")]),  # in facet order
    (SearchParams(date_from="2017"), {"date_to": "2018"}, [("date_from", "2017"), ("date_to", "2018")]),
    (SearchParams(date_from="2017"), {"date_from": ""}, []),
    (SearchParams(versions="all"), {}, [("versions", "all")]),
])
def test_url_arguments(params, changes, expected):
    assert list(params.url_args(**changes).items(multi=True)) == expected


@pytest.mark.parametrize("params,facet,value,filters,q", [
    (SearchParams(q="援疆"), "group", "南通", {"group": ["南通"]}, None),  # on
    (SearchParams(filters={"group": ["南通"]}), "group", "苏州", {"group": ["南通", "苏州"]}, None),  # OR
    (SearchParams(filters={"group": ["南通", "苏州"]}), "group", "南通", {"group": ["苏州"]}, None),  # off
    (SearchParams(filters={"group": ["南通"], "kind": ["article"]}), "group", "南通", {"kind": ["article"]}, None),
    # Off, where it was typed in the query: the query loses it too, or it would select it again.
    (SearchParams(q="援疆 group:南通", filters={"group": ["南通"]}), "group", "南通", {}, "援疆"),
    (SearchParams(q="kind:动态 援疆", filters={"kind": ["dynamic"]}), "kind", "dynamic", {}, "援疆"),
    (SearchParams(q="援疆 group:苏州", filters={"group": ["南通", "苏州"]}), "group", "南通", {"group": ["苏州"]},
     None),
])
def test_toggling_a_facet_value(params, facet, value, filters, q):
    before = {f: list(vs) for f, vs in params.filters.items()}
    changes = params.toggle(facet, value)
    assert changes["filters"] == filters
    assert changes.get("q") == q
    assert params.filters == before  # the search itself is not changed


def test_dropping_every_filter_keeps_the_words():
    params = SearchParams(q='医疗 group:南通 "伊宁县 医院" year:2017', filters={"kind": ["article"]},
                          date_from="2017", date_to="2018")
    changes = params.unfiltered()
    assert changes == {"filters": {}, "q": '医疗 "伊宁县 医院"', "date_from": "", "date_to": ""}
    assert list(params.url_args(**changes).items(multi=True)) == [("q", '医疗 "伊宁县 医院"')]


def test_a_search_as_the_searcher_ran_it():
    params = SearchParams(q="援疆 group:南通", page=9, limit=10, date_from="2017")
    result = {"filters": {"group": ["南通"]}, "page": 3, "limit": 10,
              "date_range": {"from": "2017-01-01", "to": None}}
    ran = params.as_run(result)
    assert (ran.q, ran.filters, ran.page, ran.date_from, ran.date_to) == (
        "援疆 group:南通", {"group": ["南通"]}, 3, "2017-01-01", "")
    assert params.selection() == {"q": "援疆 group:南通", "filters": {}, "sort": DEFAULT_SORT,
                                  "date_from": "2017", "date_to": ""}


@pytest.mark.parametrize("endpoint,path", [("views.search", "/"), ("api.search", "/api/search")])
def test_url_of_a_search(app, endpoint, path):
    params = SearchParams(q="援疆 医疗", filters={"group": ["南通"]}, page=2)
    with app.test_request_context():
        url = params.url(endpoint, **params.toggle("group", "苏州"))
        assert SearchParams().url(endpoint) == path
    parts = urlsplit(url)
    assert parts.path == path
    assert parse_qsl(parts.query) == [("q", "援疆 医疗"), ("group", "南通"), ("group", "苏州"), ("page", "2")]


def test_a_url_reads_back_as_the_same_search(app):
    params = SearchParams(q="援疆 “伊宁县” &=?#", filters={"group": ["南通", "苏州"], "year": ["2017"]},
                          sort="oldest", page=4, limit=20, date_from="2017-03", versions="all")
    with app.test_request_context():
        url = params.url()
    assert read(parse_qsl(urlsplit(url).query)) == params
