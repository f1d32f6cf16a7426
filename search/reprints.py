"""Reprints: items that tell the same story, found by near-duplicate text.

The same story appears as a briefing article, its newspaper version, a traditional-script
repost, and the PDF and the .txt of one issue. Their texts, normalised (`analysis.normalize`:
full-width, case, traditional → simplified) and stripped of everything but letters and
digits (PDF line breaks, spaces and page punctuation do not matter), share most of their
character 4-grams.

* `signature` folds and filters the text through a table of every BMP code point (the
  same folding, made once per process by `prepare`), then takes a one-permutation MinHash
  (Li, Owen & Zhang 2012) of the item's 4-gram set: each 4-gram hashed once, the hashes
  split into `SLOTS` bins by their top bits and the least of each bin kept (16 bits of
  it), empty bins filled from their neighbour (rotation densification, Shrivastava & Li
  2014). One sort per item, so it costs little beside tokenising, in the indexing workers.
* `stories` groups signatures by locality-sensitive hashing: items agreeing on every slot
  of one band are candidates, and an item whose slots agree on at least `THRESHOLD` (an
  estimate of their 4-gram Jaccard similarity) with a story's first version is a version
  of it. Re-clustering the whole collection is cheap, so every indexing run does it and
  incremental runs stay exact.
"""
from __future__ import annotations

import numpy as np

from search.analysis import normalize

SHINGLE = 4  # characters per shingle
SLOTS = 64  # MinHash values per signature
ROWS = 3  # slots per LSH band: 21 bands find pairs of similarity 0.5 with p ≈ 0.94
BANDS = SLOTS // ROWS
THRESHOLD = 0.5  # share of agreeing slots that makes two items versions of one story
MIN_CHARS = 30  # letters and digits; shorter items are too generic to call reprints

_AGREEING = int(np.ceil(THRESHOLD * SLOTS))
_BMP = 0x10000
_fold: np.ndarray | None = None  # BMP code point → its folded letter or digit; 0: neither
_BIN_SHIFT = np.uint64(64 - 6)  # 64 bins: the top 6 bits of a hash
_BOUNDS = np.arange(1, SLOTS, dtype=np.uint64) << _BIN_SHIFT
_PRIME = np.uint64(0x100000001B3)
_M1, _M2 = np.uint64(0xFF51AFD7ED558CCD), np.uint64(0xC4CEB9FE1A85EC53)
_S33 = np.uint64(33)
_LOW16 = np.uint64(0xFFFF)
_SLOT_INDEX = np.arange(SLOTS)


def prepare() -> np.ndarray:
    """The folding table (a quarter of a second to make): an indexer makes it before
    starting its workers, which then share it."""
    global _fold
    if _fold is None:
        every = "".join(" " if 0xD800 <= c < 0xE000 else chr(c) for c in range(_BMP))
        folded = normalize(every)
        table = np.frombuffer(folded.encode("utf-32-le"), dtype=np.uint32).copy()
        table[~np.fromiter((ch.isalnum() for ch in folded), dtype=bool, count=_BMP)] = 0
        _fold = table
    return _fold


def signature(title: str, body: str) -> np.ndarray | None:
    """SLOTS uint16 MinHash values of the item's text; None when it is too short to tell."""
    codes = np.frombuffer(f"{title}\n{body}".encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    # Beyond the BMP (rare CJK extensions) characters are taken as they are.
    folded = np.where(codes < _BMP, prepare()[np.minimum(codes, _BMP - 1)], codes)
    chars = folded[folded != 0].astype(np.uint64)
    if len(chars) < MIN_CHARS:
        return None
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


def signatures(items) -> tuple[np.ndarray, np.ndarray]:
    """The signatures of (title, body) pairs as one (items, SLOTS) matrix, and which rows
    have one: a file's worth in two arrays, not an array object per item."""
    items = list(items)
    matrix = np.zeros((len(items), SLOTS), dtype=np.uint16)
    signed = np.zeros(len(items), dtype=bool)
    for row, (title, body) in enumerate(items):
        sig = signature(title, body)
        if sig is not None:
            matrix[row], signed[row] = sig, True
    return matrix, signed


CHUNK = 4096  # rows whose band keys are held as Python numbers at once


def stories(signatures: np.ndarray, signed: np.ndarray) -> np.ndarray:
    """The story of each row: the row of its first version (its own index when it has
    none). `signed` says which rows have a signature at all.

    Rows are taken in order; one whose signature agrees with a story's first version on
    at least THRESHOLD of its slots (candidates: first versions sharing an LSH band with
    it) joins the most similar such story, else it starts one. Every version is thus like
    its story's first, and stories never chain through intermediate texts (A like B, B
    like C, A unlike C). Rows in id order make the stories a function of the collection:
    an incremental run gets what a full build gets.

    Memory beyond the signatures is a few arrays of one number a row: band keys are made
    a band at a time, and a chunk of rows at a time for the loop.
    """
    story = np.arange(len(signatures))
    rows = np.flatnonzero(signed)
    if len(rows) < 2:
        return story
    # A row sharing no band with any other is a story of its own: the loop skips it. The
    # signed rows are picked from each band's keys, not copied out of the matrix first.
    shared = np.zeros(len(rows), dtype=bool)
    for band in range(BANDS):
        _, inverse, counts = np.unique(_band_keys(signatures, band)[rows], return_inverse=True,
                                       return_counts=True)
        shared |= counts[inverse] > 1
    candidates_rows = rows[shared]
    buckets: list[dict[int, list[int]]] = [{} for _ in range(BANDS)]
    for start in range(0, len(candidates_rows), CHUNK):
        chunk = candidates_rows[start:start + CHUNK]
        keys = np.stack([_band_keys(signatures[chunk], band) for band in range(BANDS)], axis=1)
        for row, row_keys in zip(chunk.tolist(), keys.tolist()):
            candidates = {first for band, key in zip(buckets, row_keys) for first in band.get(key, ())}
            if candidates:
                firsts = np.fromiter(candidates, dtype=np.int64, count=len(candidates))
                agree = np.count_nonzero(signatures[firsts] == signatures[row], axis=1)
                best = agree.max()
                if best >= _AGREEING:
                    story[row] = firsts[agree == best].min()
                    continue
            for band, key in zip(buckets, row_keys):
                band.setdefault(key, []).append(row)
    return story


def _band_keys(sigs: np.ndarray, band: int) -> np.ndarray:
    """One key per row for `band`: its ROWS 16-bit slots in one integer."""
    key = np.zeros(len(sigs), dtype=np.uint64)
    for slot in range(ROWS):
        key |= sigs[:, band * ROWS + slot].astype(np.uint64) << np.uint64(16 * slot)
    return key
