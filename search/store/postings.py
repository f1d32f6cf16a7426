"""Posting lists read whole, a block at a time, from the index's Whoosh segments.

Whoosh's matchers hand out one posting per Python call (about 5 µs each): a word in most
items, or `rec:item`, which holds every item, costs a second on its first use at 1 GB.
A W3 posting list is a series of blocks of up to 128 postings, each a pickled tuple of
delta-encoded document numbers, weights and values: read as such, a posting list becomes
numpy arrays at a few microseconds a block, not a posting.

This module (read by the searcher) and `search.index.segment` (written by the indexer)
are the only code that uses Whoosh's private names: posting blocks and their
de-minification, a segment's term table. They are those of one release, so importing
this module with any other installed Whoosh is an error; `search.index.segment` imports
its fence from here.
"""
from __future__ import annotations

from array import array
from dataclasses import dataclass
from importlib import metadata

import numpy as np

from search.errors import SearchError

WHOOSH_DISTRIBUTION = "whoosh3"
WHOOSH_VERSION = "3.54.0"  # the release whose internals this module and the segment writer use


def check_whoosh_version(installed: str | None) -> None:
    """Refuse any Whoosh but the one whose private names the index is read and written with."""
    if installed != WHOOSH_VERSION:
        found = f"{WHOOSH_DISTRIBUTION} {installed}" if installed else f"no {WHOOSH_DISTRIBUTION}"
        raise SearchError(f"the index needs {WHOOSH_DISTRIBUTION} {WHOOSH_VERSION} (its segments are read and "
                          f"written with that release's internals), but {found} is installed: "
                          f"pip install {WHOOSH_DISTRIBUTION}=={WHOOSH_VERSION}")


def _installed_whoosh() -> str | None:
    try:
        return metadata.version(WHOOSH_DISTRIBUTION)
    except metadata.PackageNotFoundError:  # e.g. the original Whoosh 2.7 under its own name
        return None


# Before importing Whoosh's internals: another release may not even have these names.
check_whoosh_version(_installed_whoosh())

from whoosh.codec.whoosh3 import W3LeafMatcher  # noqa: E402


def live_documents(reader) -> np.ndarray:
    """Which of `reader`'s document numbers are not deleted (a deleted document keeps its
    number until a merge)."""
    live = np.ones(reader.doc_count_all(), dtype=bool)
    for segment, offset in reader.leaf_readers():
        if segment.has_deletions():
            deleted = segment.deleted_docs_set
            live[offset + np.fromiter(deleted, dtype=np.int64, count=len(deleted))] = False
    return live


def _read(reader, fieldname: str, text: str, live: np.ndarray, with_values: bool):
    """(document numbers, weights, encoded values or []) of one term, deletions excluded.

    Blocks are gathered into flat arrays first and decoded together: a block's document
    numbers are deltas from 0, so one cumulative sum, less each block's starting sum,
    plus its segment's offset, gives them all.
    """
    btext = reader.schema[fieldname].to_bytes(text)
    deltas, weights, values = array("q"), array("d"), []
    lengths, offsets = array("q"), array("q")  # per block
    for segment, offset in reader.leaf_readers():
        if (fieldname, btext) not in segment:
            continue
        # The term table's own matcher: `segment.postings` would wrap it in a filter that
        # skips deleted documents one posting at a time.
        matcher = segment._terms.matcher(fieldname, btext, segment.schema[fieldname].format)
        if not isinstance(matcher, W3LeafMatcher):  # a short list kept in the term's own entry
            while matcher.is_active():  # each posting a block of one, its number its delta
                deltas.append(matcher.id())
                weights.append(matcher.weight())
                values.append(matcher.value())
                lengths.append(1)
                offsets.append(offset)
                matcher.next()
            continue
        while matcher.is_active():
            matcher._read_data()
            block_deltas, block_weights, _ = matcher._data
            deltas.extend(block_deltas)
            if isinstance(block_weights, tuple):
                weights.extend(block_weights)
            else:  # one weight for the whole block; None: all 1
                weights.extend(array("d", (1.0 if block_weights is None else block_weights,)) * len(block_deltas))
            if with_values:
                matcher._read_values()
                values.extend(matcher._values)
            lengths.append(len(block_deltas))
            offsets.append(offset)
            matcher._next_block()
    if not lengths:
        return np.zeros(0, dtype=np.int64), np.zeros(0), []
    lengths = np.frombuffer(lengths, dtype=np.int64)
    docs = running_sums(np.frombuffer(deltas, dtype=np.int64), lengths)
    docs += np.repeat(np.frombuffer(offsets, dtype=np.int64), lengths)
    weights = np.frombuffer(weights, dtype=np.float64)
    kept = live[docs]
    if kept.all():
        return docs, weights, values
    return docs[kept], weights[kept], [v for v, k in zip(values, kept.tolist()) if k] if with_values else []


def running_sums(deltas: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Cumulative sums of `deltas` that start afresh with each group (`counts` long each)."""
    sums = np.cumsum(deltas)
    return sums - np.repeat(np.concatenate(([0], sums))[np.cumsum(counts) - counts], counts)


def ranges(starts: np.ndarray, stops: np.ndarray) -> np.ndarray:
    """`np.arange(start, stop)` for each pair, one after another."""
    counts = stops - starts
    return np.arange(counts.sum()) + np.repeat(starts - (np.cumsum(counts) - counts), counts)


def read_postings(reader, fieldname: str, text: str, live: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(document numbers, weights) of one term over all of `reader`'s segments, in document
    order, documents not `live` left out: what `reader.postings(fieldname, text)
    .items_as("weight")` lists, as arrays."""
    docs, weights, _ = _read(reader, fieldname, text, live, with_values=False)
    return docs, weights


@dataclass
class PositionLists:
    """The documents holding one term and the term's positions in each, decoded into one
    flat array: the positions in `docs[i]` are `positions[starts[i]:starts[i] + counts[i]]`."""
    docs: np.ndarray
    counts: np.ndarray
    positions: np.ndarray

    @property
    def starts(self) -> np.ndarray:
        return np.cumsum(self.counts) - self.counts

    def of(self, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The term's positions in `docs`, which must all hold it, one document after
        another: (the index in `docs` of each position's document, the positions)."""
        rows = np.searchsorted(self.docs, docs)
        counts = self.counts[rows]
        starts = self.starts[rows]
        return np.repeat(np.arange(len(docs)), counts), self.positions[ranges(starts, starts + counts)]


def read_positions(reader, fieldname: str, text: str, live: np.ndarray) -> PositionLists:
    """One term's positions over all of `reader`'s segments, documents not `live` left out:
    what `reader.postings(fieldname, text).items_as("positions")` lists. The field's format
    must decode many values at once (`search.store.schema.CompactPositions`)."""
    docs, _, values = _read(reader, fieldname, text, live, with_values=True)
    ends = np.cumsum(np.fromiter(map(len, values), dtype=np.int64, count=len(values)))
    counts, positions = reader.schema[fieldname].format.decode_positions_array(b"".join(values), ends)
    return PositionLists(docs, counts, positions.astype(np.uint32))  # kept in a cache: half the size
