"""Reprints: items that tell the same story, found by near-duplicate text.

The same story appears as a briefing article, its newspaper version, a traditional-script
repost, and the PDF and the .txt of one issue. Their texts, normalised (`analysis.normalize`:
full-width, case, traditional → simplified) and stripped of everything but letters and
digits (PDF line breaks, spaces and page punctuation do not matter), share most of their
character 4-grams.

* `signature` is a one-permutation MinHash (Li, Owen & Zhang 2012) of an item's 4-gram
  set: each 4-gram hashed once, the hashes split into `SLOTS` bins by their top bits and
  the least of each bin kept (16 bits of it), empty bins filled from their neighbour
  (rotation densification, Shrivastava & Li 2014). One sort per item, so it costs little
  beside tokenising, in the indexing workers.
* `stories` groups signatures by locality-sensitive hashing: items agreeing on every slot
  of one band become candidates, a candidate pair whose slots agree on at least
  `THRESHOLD` (an estimate of their 4-gram Jaccard similarity) is a pair of versions, and
  a story is a connected group of versions. All array operations: re-clustering the whole
  collection is cheap, so every indexing run does it and incremental runs stay exact.
"""
from __future__ import annotations

import re

import numpy as np

from search.analysis import normalize

SHINGLE = 4  # characters per shingle
SLOTS = 64  # MinHash values per signature
ROWS = 3  # slots per LSH band: 21 bands find pairs of similarity 0.5 with p ≈ 0.94
BANDS = SLOTS // ROWS
THRESHOLD = 0.5  # share of agreeing slots that makes two items versions of one story
MIN_CHARS = 30  # letters and digits; shorter items are too generic to call reprints

_NOT_WORD = re.compile(r"[\W_]+")
_BIN_SHIFT = np.uint64(64 - 6)  # 64 bins: the top 6 bits of a hash
_BOUNDS = np.arange(1, SLOTS, dtype=np.uint64) << _BIN_SHIFT
_PRIME = np.uint64(0x100000001B3)
_M1, _M2 = np.uint64(0xFF51AFD7ED558CCD), np.uint64(0xC4CEB9FE1A85EC53)
_S33 = np.uint64(33)
_LOW16 = np.uint64(0xFFFF)
_SLOT_INDEX = np.arange(SLOTS)


def signature(title: str, body: str) -> np.ndarray | None:
    """SLOTS uint16 MinHash values of the item's text; None when it is too short to tell."""
    letters = _NOT_WORD.sub("", normalize(f"{title}\n{body}"))
    if len(letters) < MIN_CHARS:
        return None
    chars = np.frombuffer(letters.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    n = len(chars) - SHINGLE + 1
    h = chars[:n].copy()
    for i in range(1, SHINGLE):
        h *= _PRIME
        h += chars[i:n + i]
    # splitmix64's finaliser: the bins are chosen by the top bits, which must be well mixed
    h ^= h >> _S33
    h *= _M1
    h ^= h >> _S33
    h *= _M2
    h ^= h >> _S33
    h.sort()
    starts = np.searchsorted(h, _BOUNDS)
    first = np.concatenate(([0], starts))
    filled = first < np.concatenate((starts, [n]))
    values = h[np.minimum(first, n - 1)] & _LOW16
    if not filled.all():
        # An empty bin takes the value of the next filled one (circularly), shifted by the
        # distance, so that two texts agree on it exactly when they agree on the donor.
        donors = np.flatnonzero(filled)
        nxt = np.searchsorted(donors, _SLOT_INDEX)
        wrap = nxt == len(donors)
        donor = np.where(wrap, donors[0], donors[np.minimum(nxt, len(donors) - 1)])
        distance = (donor - _SLOT_INDEX) % SLOTS
        values = np.where(filled, values, (values[donor] + np.uint64(0x9E37) * distance.astype(np.uint64)) & _LOW16)
    return values.astype(np.uint16)


def stories(signatures: np.ndarray, signed: np.ndarray) -> np.ndarray:
    """The story of each row: the lowest row index of its group of versions (its own
    index when it has none). `signed` says which rows have a signature at all."""
    n = len(signatures)
    parent = np.arange(n)
    rows = np.flatnonzero(signed)
    if len(rows) < 2:
        return parent
    sigs = signatures[rows].astype(np.uint64)
    firsts, others = [], []
    for band in range(BANDS):
        cols = sigs[:, band * ROWS:(band + 1) * ROWS]
        key = cols[:, 0] | (cols[:, 1] << np.uint64(16)) | (cols[:, 2] << np.uint64(32))
        order = np.argsort(key, kind="stable")
        ordered = key[order]
        new_group = np.concatenate(([True], ordered[1:] != ordered[:-1]))
        group_first = order[np.maximum.accumulate(np.where(new_group, np.arange(len(order)), 0))]
        pair = ~new_group  # each member of a bucket is compared with the bucket's first
        firsts.append(group_first[pair])
        others.append(order[pair])
    a, b = np.concatenate(firsts), np.concatenate(others)
    if not len(a):
        return parent
    code = np.unique(a * len(rows) + b)
    a, b = code // len(rows), code % len(rows)
    agree = (signatures[rows[a]] == signatures[rows[b]]).mean(axis=1)
    keep = agree >= THRESHOLD
    return _components(parent, rows[a[keep]], rows[b[keep]])


def _components(parent: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Union the pairs (a, b) into `parent`; → each row's lowest-index member."""
    while True:
        ra, rb = parent[a], parent[b]
        apart = ra != rb
        if not apart.any():
            return parent
        ra, rb = ra[apart], rb[apart]
        np.minimum.at(parent, np.maximum(ra, rb), np.minimum(ra, rb))
        while True:  # point every row at its root
            root = parent[parent]
            if np.array_equal(root, parent):
                break
            parent = root
