"""Facets as the pages and the API show them, computed here once (as Datasette's facets.py
does): each value of a search result's facets carries its value, label, count, whether it
is selected, and `toggle_url`, the same search with that value switched on or off.
Both the results page and the JSON API show them; the page's filter chips and its
"drop this filter" suggestions are the selected values.
"""
from __future__ import annotations

from search.vocabulary import FACET_LABELS, FACETS
from webui.params import SearchParams


def add_toggle_urls(result: dict, params: SearchParams, endpoint: str) -> dict:
    """`result` (a Searcher.search answer) with a `toggle_url` on every facet value.

    `params` is the search as run (its filters those of the result); `endpoint` is the
    page the URLs lead to: "views.search", or "api.search" for the JSON API.
    """
    for facet, values in result["facets"].items():
        for value in values:
            value["toggle_url"] = params.url(endpoint, page=1, **params.toggle(facet, value["value"]))
    return result


def sidebar(result: dict) -> list[dict]:
    """The facets with values, in their order, each with its label and number selected."""
    out = []
    for facet in FACETS:
        values = result["facets"].get(facet.name, [])
        if values:
            out.append({"name": facet.name, "label": facet.label, "options": values,
                        "selected": sum(1 for v in values if v["selected"])})
    return out


def selected(result: dict) -> list[dict]:
    """The active filters in the order given, as facet values (with their toggle URLs)."""
    by_value = {(f, v["value"]): v for f, values in result["facets"].items() for v in values}
    return [by_value[(facet, value)] | {"facet": facet, "facet_label": FACET_LABELS[facet]}
            for facet, values in result["filters"].items() for value in values]
