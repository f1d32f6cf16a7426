"""Facet counts over a result set: bincounts of the value columns (`search.store.columns`)."""
from __future__ import annotations

import numpy as np

from search.store.columns import Columns
from search.store.schema import FACETS

SORTED_BY_VALUE = ("issue", "year")  # shown newest first; other facets by count
FACET_LIMIT = 30  # values listed per facet (selected ones always are): a sidebar, not a table


def facet_counts(columns: Columns, matched: np.ndarray, active: dict[str, list[str]],
                 labels) -> tuple[dict, dict, np.ndarray]:
    """Counts per facet value, the number of values per facet, and the mask of documents
    that pass every filter.

    A facet's counts apply every *other* active filter, so choosing a second value of the
    same facet (an OR) shows what it would add; different facets combine with AND.
    """
    selected = matched & columns.filter_mask(active)
    facets, sizes = {}, {}
    for f in FACETS:
        mask = matched & columns.filter_mask(active, skip=f) if f in active else selected
        counts = columns.counts(f, mask)
        for v in active.get(f, []):
            counts.setdefault(v, 0)
        if f in SORTED_BY_VALUE:
            rows = sorted(counts.items(), reverse=True)
        else:
            rows = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        sizes[f] = len(rows)
        chosen = set(active.get(f, []))
        rows = [r for i, r in enumerate(rows) if i < FACET_LIMIT or r[0] in chosen]
        facets[f] = [{"value": v, "label": labels(f, v), "count": n, "selected": v in active.get(f, [])}
                     for v, n in rows]
    return facets, sizes, selected
