"""The Whoosh schema: one index document per item, plus one record per source file.

Item documents carry the searchable text (`title`, `body`) and one column per
facet, so facet counts and sorting read columns instead of stored documents. A file
record (`rec` = "file") carries the decoded source text and its parse, for the source
view and the issue page; it has no text fields, so no text query ever matches it.
"""
from array import array
from functools import lru_cache
from itertools import accumulate

import numpy as np
from whoosh.fields import ID, NUMERIC, STORED, TEXT, Schema
from whoosh.formats import Positions

from search.analysis import ChineseAnalyzer, word_positions
from search.store.postings import ranges, running_sums
from search.vocabulary import FACET_NAMES

ITEM = "item"
FILE = "file"

# Bump when the schema or the analysis changes: an index of another version is rebuilt.
SCHEMA_VERSION = 10  # 10: a file record keeps its pages packed (store.pack_pages)


class CompactPositions(Positions):
    """Token positions as an array of 16- or 32-bit deltas behind a one-byte width.

    Whoosh's `Positions` pickles each posting's position list (about 14 bytes for one
    position); this takes 3, and postings are half the index. Same information, same
    `decode_*` interface for Whoosh's readers and ours.
    """

    def encode(self, poslist) -> bytes:
        if len(poslist) == 1 and poslist[0] < 65536:  # most postings: one position
            return _one_position(poslist[0])
        deltas = [b - a for a, b in zip([0] + poslist, poslist)]
        code = "H" if max(deltas) < 65536 else "I"
        return code.encode() + array(code, deltas).tobytes()

    def decode_positions(self, valuestring: bytes) -> list[int]:
        return list(accumulate(array(chr(valuestring[0]), valuestring[1:])))

    @staticmethod
    def decode_positions_array(encoded: bytes, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """`decode_positions` of many values at once, given one after another in `encoded`,
        each ending where `ends` says: (the number of positions of each, all the positions)."""
        data = np.frombuffer(encoded, dtype=np.uint8)
        starts = ends - np.diff(ends, prepend=0)
        wide = data[starts] == ord("I")
        counts = (ends - starts - 1) // np.where(wide, 4, 2)
        deltas = np.empty(int(counts.sum()), dtype=np.int64)
        wide_delta = np.repeat(wide, counts)
        for width, code in ((False, "H"), (True, "I")):
            chosen = wide == width
            if chosen.any():  # the values of one width: their bytes after the code, as one array
                raw = data[ranges(starts[chosen] + 1, ends[chosen])].tobytes()
                deltas[wide_delta == width] = np.frombuffer(raw, dtype=np.dtype(code))
        return counts, running_sums(deltas, counts)

    def decode_frequency(self, valuestring: bytes) -> int:
        return (len(valuestring) - 1) // (2 if valuestring[0] == 72 else 4)  # 72 = "H"

    def decode_weight(self, valuestring: bytes) -> float:
        return self.decode_frequency(valuestring) * self.field_boost

    def decode_position_boosts(self, valuestring: bytes) -> list[tuple[int, float]]:
        return [(pos, 1.0) for pos in self.decode_positions(valuestring)]


@lru_cache(maxsize=65536)
def _one_position(pos: int) -> bytes:
    return b"H" + array("H", [pos]).tobytes()


class WordsField(TEXT):
    """TEXT analysed by `ChineseAnalyzer`, indexed without Whoosh's per-token objects.

    Indexing is the hot path of a full build: this yields the same postings
    (word → positions) as the analyzer would, straight from `word_positions`. Queries,
    more-like-this and anything else that analyses text still use the analyzer.
    """

    def __init__(self, **kwargs):
        super().__init__(analyzer=ChineseAnalyzer(), phrase=True, **kwargs)
        self.format = CompactPositions(field_boost=self.format.field_boost)

    def index(self, value, **kwargs):
        encode, boost = self.format.encode, self.format.field_boost
        for word, poslist in word_positions(value).items():
            yield word.encode("utf-8"), len(poslist), len(poslist) * boost, encode(poslist)


class ExactID(ID):
    """ID whose whole value is its one term, as with Whoosh's ID tokenizer, but without
    a tokenizer and a token object per value: an item has nine ID fields."""

    def index(self, value, **kwargs):
        return [(value.encode("utf-8"), 1, self.format.field_boost, b"")]


def build_schema() -> Schema:
    return Schema(
        id=ExactID(stored=True, unique=True),
        rec=ExactID(),
        source=ExactID(sortable=True),
        # Title and subtitle: a short field, weighted above the body when ranking.
        title=WordsField(),
        body=WordsField(),
        # The facets users filter by (search.vocabulary.FACETS): one sortable column each.
        **{name: ExactID(sortable=True) for name in FACET_NAMES},
        date=ExactID(sortable=True),
        ordinal=NUMERIC(sortable=True),
        # The item's metadata for display (title, subtitle, span …), or the file's parse.
        meta=STORED(),
        # File records only: the content hash (incremental indexing), and the source text
        # with the item bodies (see indexer.pack_texts): the text items are shown from.
        sha256=ExactID(stored=True),
        text=STORED(),
    )
