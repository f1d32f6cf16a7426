"""Per-document values of one index generation as arrays: facets, filters, dates, lengths.

Loaded once per generation from Whoosh's columns, so that filtering, facet counting and
sorting a whole result set are array operations instead of per-document lookups. The
indexer saves them beside the index after each commit; a searcher loads them.
"""
from __future__ import annotations

import os
import re
from functools import cached_property
from pathlib import Path

import numpy as np

from search.vocabulary import FACET_NAMES

TEXT_FIELDS = ("title", "body")
# Every per-item value kept here rather than in each item's stored fields.
VALUE_FIELDS = FACET_NAMES + ("source", "date")
_YEAR_MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")


class Columns:
    def __init__(self, codes: dict[str, np.ndarray], values: dict[str, list[str]],
                 newest: np.ndarray, oldest: np.ndarray, lengths: dict[str, np.ndarray],
                 ordinals: np.ndarray):
        self.n = len(newest)
        self.codes = codes  # field → value code per document
        self.values = values  # field → value of each code ("" = none)
        self.code_of = {f: {v: i for i, v in enumerate(vs)} for f, vs in values.items()}
        self._newest, self._oldest = newest, oldest  # document numbers in date order
        self.lengths = lengths  # text field → length per document
        self.ordinals = ordinals  # an item's place in its file (0: a file record): with the
        # source, its id (`search.store.item_id`)
        self._ranks: dict[str, np.ndarray] = {}

    @classmethod
    def read(cls, reader) -> "Columns":
        """From the index's columns (seconds at 50 MB: the indexer saves them, see `save`)."""
        n = reader.doc_count_all()
        if n == 0:  # Whoosh's empty reader has no columns
            empty = np.zeros(0, dtype=np.int64)
            return cls({f: empty for f in VALUE_FIELDS}, {f: [""] for f in VALUE_FIELDS}, empty, empty,
                       {f: np.zeros(0) for f in TEXT_FIELDS}, empty)
        codes, values = {}, {}
        for f in VALUE_FIELDS:
            codes[f], values[f] = _encode(_column(reader, f), n, ordered=f == "date")
        dates = codes["date"]
        ordinals = np.fromiter((0 if v is None else v for v in _column(reader, "ordinal")), dtype=np.int64, count=n)
        # A file record has no ordinal: its column holds the field's stand-in for none.
        field = reader.schema["ordinal"]
        ordinals[ordinals == field.from_column_value(field.column_type.default_value())] = 0
        lengths = {f: np.fromiter((reader.doc_field_length(d, f, 0) or 0 for d in range(n)),
                                  dtype=np.float64, count=n) for f in TEXT_FIELDS}
        # By date, then in reading order within an issue.
        return cls(codes, values, np.lexsort((ordinals, -dates)), np.lexsort((ordinals, dates)), lengths,
                   ordinals)

    def save(self, path: Path) -> None:
        """Write to `path` atomically, for searchers of the same generation to load."""
        arrays = {"newest": self._newest, "oldest": self._oldest, "ordinals": self.ordinals}
        for f in VALUE_FIELDS:
            arrays[f"codes_{f}"] = self.codes[f]
            arrays[f"values_{f}"] = np.array(self.values[f], dtype=str)
        for f in TEXT_FIELDS:
            arrays[f"lengths_{f}"] = self.lengths[f]
        tmp = path.with_name(path.stem + ".tmp.npz")
        np.savez_compressed(tmp, **arrays)
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: Path) -> "Columns":
        with np.load(path) as data:
            return cls({f: data[f"codes_{f}"] for f in VALUE_FIELDS},
                       {f: data[f"values_{f}"].tolist() for f in VALUE_FIELDS},
                       data["newest"], data["oldest"],
                       {f: data[f"lengths_{f}"] for f in TEXT_FIELDS}, data["ordinals"])

    @cached_property
    def date_months(self) -> np.ndarray:
        """Per date code, its month as year * 12 + month - 1 (-1: no date or no month)."""
        months = [int(m.group(1)) * 12 + int(m.group(2)) - 1 if (m := _YEAR_MONTH.match(v)) else -1
                  for v in self.values["date"]]
        return np.array(months, dtype=np.int64)

    def rank(self, field: str) -> np.ndarray:
        """Each code's place among the field's values in sorted order (made on first use)."""
        found = self._ranks.get(field)
        if found is None:
            found = np.empty(len(self.values[field]), dtype=np.int64)
            found[np.argsort(np.array(self.values[field], dtype=str))] = np.arange(len(found))
            self._ranks[field] = found
        return found

    def value(self, field: str, docnum: int) -> str | None:
        return self.values[field][self.codes[field][docnum]] or None

    def filter_mask(self, active: dict[str, list[str]], skip: str | None = None) -> np.ndarray:
        """Documents passing every active filter except the one on `skip`."""
        mask = np.ones(self.n, dtype=bool)
        for f, wanted in active.items():
            if f != skip:
                # A table of the field's codes, looked up per document: np.isin sorts them all.
                chosen = np.zeros(len(self.values[f]), dtype=bool)
                chosen[[self.code_of[f][v] for v in wanted if v in self.code_of[f]]] = True
                mask &= chosen[self.codes[f]]
        return mask

    def counts(self, facet: str, mask: np.ndarray) -> dict[str, int]:
        # Gathered by document number: faster than by a boolean mask over many documents.
        per_code = np.bincount(self.codes[facet][np.flatnonzero(mask)], minlength=len(self.values[facet]))
        return {self.values[facet][c]: int(per_code[c]) for c in np.flatnonzero(per_code) if c}

    def chronological(self, mask: np.ndarray, newest: bool) -> np.ndarray:
        order = self._newest if newest else self._oldest
        return order[mask[order]]


def cache_path(index_dir: Path, generation: int) -> Path:
    return Path(index_dir) / f"columns-{generation}.npz"


def save_for(reader, index_dir: Path) -> "Columns | None":
    """Save the columns of `reader`'s generation, and drop those of older ones; → them, when
    they were not saved already."""
    path = cache_path(index_dir, reader.generation())
    columns = None
    if not path.exists():
        columns = Columns.read(reader)
        columns.save(path)
    for old in Path(index_dir).glob("columns-*.npz"):
        if old != path:
            old.unlink(missing_ok=True)
    return columns


def load_for(reader, index_dir: Path) -> Columns:
    """The columns of `reader`'s generation: saved by the indexer, else read now."""
    path = cache_path(index_dir, reader.generation())
    try:
        columns = Columns.load(path)
        if columns.n == reader.doc_count_all():
            return columns
    except Exception:  # missing, truncated, damaged: it is only a cache
        pass
    return Columns.read(reader)


def _column(reader, field: str):
    """Every document's value of `field`, None where it has none.

    Segment by segment: a segment in which no document has the field has no column for
    it, and Whoosh's multi-segment column reader then skips that segment's documents.
    """
    for segment, _ in reader.leaf_readers():
        if segment.has_column(field):
            yield from segment.column_reader(field)
        else:
            yield from (None for _ in range(segment.doc_count_all()))


def _encode(column, n: int, ordered: bool = False):
    """(code per document, value per code); code 0 is "no value"."""
    code_of = {"": 0}
    codes = np.fromiter((code_of.setdefault(v or "", len(code_of)) for v in column), dtype=np.int64,
                        count=n)
    values = list(code_of)
    if ordered:  # renumber so that codes sort as the values do
        rank = np.empty(len(values), dtype=np.int64)
        rank[np.argsort(np.array(values, dtype=object))] = np.arange(len(values))
        codes = rank[codes]
        values = sorted(values)
    return codes, values


