"""Facet counts over a result set: bincounts of the value columns (`search.store.columns`)."""
from __future__ import annotations

import numpy as np

from search.store.columns import Columns
from search.vocabulary import FACET_LIMIT, FACETS, NEWEST_FIRST


def facet_counts(columns: Columns, matched: np.ndarray,
                 active: dict[str, list[str]]) -> tuple[dict, dict, np.ndarray]:
    """Counts per facet value (with its label, and whether it is selected), the number of
    values per facet, and the mask of documents that pass every filter.

    A facet's counts apply every *other* active filter, so choosing a second value of the
    same facet (an OR) shows what it would add; different facets combine with AND.
    """
    selected = matched & columns.filter_mask(active)
    facets, sizes = {}, {}
    for facet in FACETS:
        f = facet.name
        mask = matched & columns.filter_mask(active, skip=f) if f in active else selected
        counts = columns.counts(f, mask)
        chosen = set(active.get(f, []))
        for v in chosen:
            counts.setdefault(v, 0)
        if facet.order == NEWEST_FIRST:
            rows = sorted(counts.items(), reverse=True)
        else:
            rows = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        sizes[f] = len(rows)
        rows = [r for i, r in enumerate(rows) if i < FACET_LIMIT or r[0] in chosen]
        facets[f] = [{"value": v, "label": facet.label_of(v), "count": n, "selected": v in chosen}
                     for v, n in rows]
    return facets, sizes, selected
