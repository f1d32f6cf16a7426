"""One file through the document stages: ingest → parse → enrich.

The CLI's `parse` and the indexing workers both call this, so what `parse` shows is what
gets indexed.
"""
from __future__ import annotations

from pathlib import Path

from search.enrich import enrich
from search.ingest import read_source
from search.model import Document
from search.parse import parse_text


def read_document(path: str | Path, source: str | None = None) -> Document:
    """The enriched Document of the file at `path`; `source` names it (default: its file name)."""
    text, encoding, sha256 = read_source(path)
    doc = parse_text(text, source or Path(path).name, sha256=sha256, encoding=encoding)
    return enrich(doc)
