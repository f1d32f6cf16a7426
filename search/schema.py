"""The Whoosh schema: one index document per item, plus one record per source file.

Item documents carry the searchable text (`title`, `body`, `chars`) and one column per
facet, so facet counts and sorting read columns instead of stored documents. A file
record (`rec` = "file") carries the decoded source text and its parse, for the source
view and the issue page; it has no text fields, so no text query ever matches it.
"""
from whoosh.fields import ID, NUMERIC, STORED, TEXT, Schema

from search.analysis import CharAnalyzer, ChineseAnalyzer

ITEM = "item"
FILE = "file"

# The facets users filter by; each is a sortable ID column on item documents.
FACETS = ("group", "issue", "kind", "year", "locality")

# Bump when the schema or the analysis changes: an index of another version is rebuilt.
SCHEMA_VERSION = 1


def build_schema() -> Schema:
    words = ChineseAnalyzer()
    return Schema(
        id=ID(stored=True, unique=True),
        rec=ID(stored=True),
        source=ID(stored=True, sortable=True),
        # Title and subtitle: a short field, weighted above the body when ranking.
        title=TEXT(analyzer=words, phrase=True, field_boost=1.0),
        body=TEXT(analyzer=words, phrase=True, stored=True),
        # Every CJK character of title and body: finds what segmentation hides (援 in 援疆).
        chars=TEXT(analyzer=CharAnalyzer(), phrase=False),
        group=ID(stored=True, sortable=True),
        issue=ID(stored=True, sortable=True),
        kind=ID(stored=True, sortable=True),
        year=ID(stored=True, sortable=True),
        locality=ID(stored=True, sortable=True),
        date=ID(stored=True, sortable=True),
        ordinal=NUMERIC(stored=True, sortable=True),
        # The item's metadata for display (title, subtitle, span …), or the file's parse.
        meta=STORED(),
        # File records only: the content hash (incremental indexing) and the source text.
        sha256=ID(stored=True),
        text=STORED(),
    )
