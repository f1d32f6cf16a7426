"""Facet counts over a result set: bincounts of the value columns (`search.store.columns`)."""
from __future__ import annotations

import numpy as np

from search.store.columns import Columns
from search.vocabulary import FACET_LIMIT, FACETS, NEWEST_FIRST, Facet


def facet_counts(columns: Columns, matched: np.ndarray,
                 active: dict[str, list[str]]) -> tuple[dict, dict, np.ndarray]:
    """Counts per facet value (with its label, and whether it is selected), the number of
    values per facet, and the mask of documents that pass every filter.

    A facet's counts apply every *other* active filter, so choosing a second value of the
    same facet (an OR) shows what it would add; different facets combine with AND.
    """
    selected = matched & columns.filter_mask(active)
    # Document numbers, not masks, pick the codes to count: a boolean mask over a large
    # collection is several times slower to gather with.
    selected_docs = np.flatnonzero(selected)
    facets, sizes = {}, {}
    for facet in FACETS:
        f = facet.name
        docs = np.flatnonzero(matched & columns.filter_mask(active, skip=f)) if f in active else selected_docs
        chosen = set(active.get(f, []))
        counts, sizes[f] = _first_counts(columns, facet, docs, chosen)
        if facet.order == NEWEST_FIRST:
            rows = sorted(counts.items(), reverse=True)
        else:
            rows = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        rows = [r for i, r in enumerate(rows) if i < FACET_LIMIT or r[0] in chosen]
        facets[f] = [{"value": v, "label": facet.label_of(v), "count": n, "selected": v in chosen}
                     for v, n in rows]
    return facets, sizes, selected


def _first_counts(columns: Columns, facet: Facet, docs: np.ndarray, chosen: set[str]) -> tuple[dict, int]:
    """Over `docs`, the counts of the FACET_LIMIT values listed first and of the `chosen`
    ones (0 when none is matched), and how many values the facet lists in all.

    Chosen in numpy: a facet may have a value per issue, tens of thousands, and sorting
    them all in Python on every results page grows with the collection.
    """
    f = facet.name
    per_code = np.bincount(columns.codes[f][docs], minlength=len(columns.values[f]))
    per_code[0] = 0  # code 0 is "no value"
    present = np.flatnonzero(per_code)
    rank = columns.rank(f)[present]
    # The order of the list as one integer: latest value first, or most frequent, ties by value.
    key = -rank if facet.order == NEWEST_FIRST else rank - per_code[present] * len(per_code)
    if len(present) > FACET_LIMIT:
        present = present[np.argpartition(key, FACET_LIMIT)[:FACET_LIMIT]]
    counts = {columns.values[f][c]: int(per_code[c]) for c in present.tolist()}
    unmatched = 0
    for v in chosen:
        n = int(per_code[columns.code_of[f][v]]) if v in columns.code_of[f] else 0
        counts[v] = n
        unmatched += n == 0
    return counts, int(np.count_nonzero(per_code)) + unmatched
