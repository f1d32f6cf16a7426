"""One file through the document stages: ingest → parse → enrich.

The CLI's `parse` and the indexing workers both call this, so what `parse` shows is what
gets indexed.
"""
from __future__ import annotations

from pathlib import Path

from search.enrich import enrich
from search.ingest import OcrOptions, read_source
from search.model import Document
from search.pages import locate
from search.parse import parse_text


def read_document(path: str | Path, source: str | None = None, options: OcrOptions | None = None) -> Document:
    """The enriched Document of the file at `path`; `source` names it (default: its file name).
    `options` say where OCR results are cached and whom to tell of each recognised page."""
    extract = read_source(path, options)
    doc = parse_text(extract.text, source or Path(path).name, sha256=extract.sha256,
                     encoding=extract.encoding, container_meta=extract.meta)
    doc.format, doc.pages, doc.ocr_confidence = extract.format, extract.pages, extract.ocr_confidence
    return enrich(locate(doc))
