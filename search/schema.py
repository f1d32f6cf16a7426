"""The Whoosh schema: one index document per item, plus one record per source file.

Item documents carry the searchable text (`title`, `body`) and one column per
facet, so facet counts and sorting read columns instead of stored documents. A file
record (`rec` = "file") carries the decoded source text and its parse, for the source
view and the issue page; it has no text fields, so no text query ever matches it.
"""
from collections import defaultdict

from whoosh.fields import ID, NUMERIC, STORED, TEXT, Schema

from search.analysis import ChineseAnalyzer, word_tokens

ITEM = "item"
FILE = "file"

# The facets users filter by; each is a sortable ID column on item documents.
FACETS = ("group", "issue", "kind", "year", "locality")

# Bump when the schema or the analysis changes: an index of another version is rebuilt.
SCHEMA_VERSION = 4


class WordsField(TEXT):
    """TEXT analysed by `ChineseAnalyzer`, indexed without Whoosh's per-token objects.

    Indexing is the hot path of a full build: this yields the same postings
    (word → positions) as the analyzer would, straight from `word_tokens`. Queries,
    more-like-this and anything else that analyses text still use the analyzer.
    """

    def __init__(self, **kwargs):
        super().__init__(analyzer=ChineseAnalyzer(), phrase=True, **kwargs)

    def index(self, value, **kwargs):
        positions = defaultdict(list)
        for word, pos, _, _ in word_tokens(value, subwords=True):
            positions[word].append(pos)
        encode, boost = self.format.encode, self.format.field_boost
        for word, poslist in positions.items():
            yield word.encode("utf-8"), len(poslist), len(poslist) * boost, encode(poslist)


def build_schema() -> Schema:
    return Schema(
        id=ID(stored=True, unique=True),
        rec=ID(stored=True),
        source=ID(stored=True, sortable=True),
        # Title and subtitle: a short field, weighted above the body when ranking.
        title=WordsField(),
        body=WordsField(),
        group=ID(stored=True, sortable=True),
        issue=ID(stored=True, sortable=True),
        kind=ID(stored=True, sortable=True),
        year=ID(stored=True, sortable=True),
        locality=ID(stored=True, sortable=True),
        date=ID(stored=True, sortable=True),
        ordinal=NUMERIC(stored=True, sortable=True),
        # The item's metadata for display (title, subtitle, span …), or the file's parse.
        meta=STORED(),
        # The item's text, zlib-compressed: Whoosh stores values as they come, and the
        # bodies would otherwise be the largest part of the index.
        body_z=STORED(),
        # File records only: the content hash (incremental indexing) and the source text.
        sha256=ID(stored=True),
        text=STORED(),
    )
