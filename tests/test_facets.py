"""search.query.facets: counts per facet value over a result set, Datasette-style (the
counts of a facet leave its own filter out), on value columns made here."""
from __future__ import annotations

import numpy as np
import pytest

from search.query.facets import facet_counts
from search.store.columns import TEXT_FIELDS, VALUE_FIELDS, Columns
from search.vocabulary import FACET_LIMIT, FACET_NAMES

# One row per document: its facet values ("" = none, e.g. a file record).
ROWS = [
    {"group": "南通", "issue": "2017-09", "kind": "article", "year": "2017", "locality": "伊宁县"},
    {"group": "南通", "issue": "2017-09", "kind": "dynamic", "year": "2017", "locality": "伊宁县"},
    {"group": "南通", "issue": "2018-01", "kind": "article", "year": "2018", "locality": "伊宁县"},
    {"group": "苏州", "issue": "2018-01", "kind": "article", "year": "2018", "locality": "霍尔果斯"},
    {"group": "苏州", "issue": "2018-02", "kind": "dynamic", "year": "2018", "locality": "霍尔果斯"},
    {"group": "徐州", "issue": "2017-10", "kind": "dynamic", "year": "2017", "locality": "奎屯市"},
    {},  # a file record: no values at all
    {"kind": "article", "publisher": "新华日报"},  # a news story: no group, issue or year
]


def columns_of(rows: list[dict]) -> Columns:
    codes, values = {}, {}
    for f in VALUE_FIELDS:
        values[f] = [""] + sorted({r.get(f, "") for r in rows} - {""})
        code = {v: i for i, v in enumerate(values[f])}
        codes[f] = np.array([code[r.get(f, "")] for r in rows], dtype=np.int64)
    order = np.arange(len(rows))
    return Columns(codes, values, order, order, {f: np.ones(len(rows)) for f in TEXT_FIELDS}, order + 1)


def counts(facets, name) -> list[tuple[str, int]]:
    return [(row["value"], row["count"]) for row in facets[name]]


ALL = np.ones(len(ROWS), dtype=bool)


def test_every_facet_is_counted_and_documents_without_a_value_are_not():
    facets, sizes, selected = facet_counts(columns_of(ROWS), ALL, {})
    assert list(facets) == list(FACET_NAMES)
    assert counts(facets, "group") == [("南通", 3), ("苏州", 2), ("徐州", 1)]  # most first
    assert counts(facets, "kind") == [("article", 4), ("dynamic", 3)]
    assert counts(facets, "publisher") == [("新华日报", 1)]
    assert sizes["group"] == 3 and selected.all()


@pytest.mark.parametrize("facet,expected", [
    ("issue", [("2018-02", 1), ("2018-01", 2), ("2017-10", 1), ("2017-09", 2)]),  # newest first
    ("year", [("2018", 3), ("2017", 3)]),
    ("locality", [("伊宁县", 3), ("霍尔果斯", 2), ("奎屯市", 1)]),
])
def test_times_sort_newest_first_other_facets_by_count(facet, expected):
    facets, _, _ = facet_counts(columns_of(ROWS), ALL, {})
    assert counts(facets, facet) == expected


@pytest.mark.parametrize("facet,value,label", [
    ("kind", "article", "文章"),
    ("kind", "dynamic", "动态"),
    ("year", "2017", "2017年"),
    ("issue", "2017-09", "2017年第9期"),
    ("group", "南通", "南通"),
])
def test_each_value_carries_its_label(facet, value, label):
    facets, _, _ = facet_counts(columns_of(ROWS), ALL, {})
    (row,) = [r for r in facets[facet] if r["value"] == value]
    assert row["label"] == label and row["selected"] is False


def test_only_the_matched_documents_are_counted():
    matched = np.array([True, True, False, True, False, False, False, False])
    facets, _, selected = facet_counts(columns_of(ROWS), matched, {})
    assert counts(facets, "group") == [("南通", 2), ("苏州", 1)]
    assert (selected == matched).all()


def test_a_facets_own_filter_is_left_out_of_its_counts_and_applied_to_the_others():
    facets, sizes, selected = facet_counts(columns_of(ROWS), ALL, {"group": ["南通"]})
    # Its own counts: what choosing another group as well would add (an OR).
    assert counts(facets, "group") == [("南通", 3), ("苏州", 2), ("徐州", 1)]
    assert [r["selected"] for r in facets["group"]] == [True, False, False]
    # The other facets count 南通's documents only (an AND).
    assert counts(facets, "kind") == [("article", 2), ("dynamic", 1)]
    assert counts(facets, "locality") == [("伊宁县", 3)]
    assert selected.tolist() == [True, True, True, False, False, False, False, False]


def test_filters_of_two_facets_and_two_values():
    active = {"group": ["南通", "苏州"], "kind": ["dynamic"]}
    facets, _, selected = facet_counts(columns_of(ROWS), ALL, active)
    assert selected.tolist() == [False, True, False, False, True, False, False, False]
    assert counts(facets, "group") == [("南通", 1), ("徐州", 1), ("苏州", 1)]  # kind applied, not group; ties by value
    assert counts(facets, "kind") == [("article", 3), ("dynamic", 2)]  # group applied, not kind


def test_a_selected_value_nothing_matches_is_still_listed_to_be_switched_off():
    facets, _, selected = facet_counts(columns_of(ROWS), ALL, {"group": ["淮安"]})
    assert ("淮安", 0) in counts(facets, "group")
    assert next(r for r in facets["group"] if r["value"] == "淮安")["selected"]
    assert not selected.any() and counts(facets, "kind") == []


def test_a_long_facet_lists_its_first_values_and_every_selected_one():
    rows = [{"locality": f"地方{n:02d}", "group": "南通"} for n in range(FACET_LIMIT + 5) for _ in range(n + 1)]
    last = f"地方{0:02d}"  # the least frequent: beyond the limit
    facets, sizes, _ = facet_counts(columns_of(rows), np.ones(len(rows), dtype=bool), {"locality": [last]})
    assert sizes["locality"] == FACET_LIMIT + 5
    listed = [r["value"] for r in facets["locality"]]
    assert len(listed) == FACET_LIMIT + 1 and listed[-1] == last
    assert listed[:FACET_LIMIT] == [f"地方{n:02d}" for n in range(FACET_LIMIT + 4, 4, -1)]
