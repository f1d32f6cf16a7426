"""Ingest stage: a file's bytes → the text the parser reads, with its pages, or a clear error.

`read_source` tells the format from the file's first bytes (a PDF, an old Word file or an
image named `.txt` is still what it is) and otherwise from its suffix, and hands the bytes
to one reader per format: `text`, `pdf` (pypdfium2; pages without a text layer go to
`ocr`), `ocr` (tesseract; page images), `docx` (python-docx), `html` (trafilatura) and
`doc` (antiword or catdoc).
"""
from __future__ import annotations

import hashlib
import os
import zipfile
from pathlib import Path

from search.errors import SourceError
from search.ingest import doc, docx, html, ocr, pdf, text
from search.ingest.extract import DOC, DOCX, FORMATS, HTML, IMAGE, PDF, TEXT, Extract, read_bytes
from search.ingest.ocr import OcrOptions

__all__ = ["Extract", "FORMATS", "OcrOptions", "SUFFIXES", "read_source", "sniff"]

# Format → its reader module; each has read(path, raw, digest, options), MAX_BYTES, TYPICAL.
READERS = {TEXT: text, PDF: pdf, DOCX: docx, HTML: html, DOC: doc, IMAGE: ocr}

# The file names each format is looked for under when a folder is indexed.
SUFFIX_FORMATS = {
    ".txt": TEXT, ".md": TEXT,
    ".pdf": PDF,
    ".docx": DOCX, ".doc": DOC,
    ".html": HTML, ".htm": HTML,
    ".png": IMAGE, ".jpg": IMAGE, ".jpeg": IMAGE, ".tif": IMAGE, ".tiff": IMAGE,
}
SUFFIXES = tuple(SUFFIX_FORMATS)

_SIGNATURES = (
    (b"%PDF-", PDF),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", DOC),  # OLE2: Word 97–2003 (also Excel, PowerPoint)
    (b"\x89PNG\r\n\x1a\n", IMAGE),
    (b"\xff\xd8\xff", IMAGE),  # JPEG
    (b"II*\x00", IMAGE), (b"MM\x00*", IMAGE),  # TIFF
)
_HTML_STARTS = (b"<!doctype html", b"<html")


def sniff(path, head: bytes) -> str:
    """The format of the file at `path` whose first bytes are `head`."""
    for signature, fmt in _SIGNATURES:
        if head.startswith(signature):
            return fmt
    by_suffix = SUFFIX_FORMATS.get(Path(path).suffix.lower(), TEXT)
    if head.startswith(b"PK\x03\x04") and by_suffix != DOCX and _is_word_package(path):
        return DOCX
    if by_suffix == TEXT and head.lstrip(b"\xef\xbb\xbf \t\r\n").lower().startswith(_HTML_STARTS):
        return HTML  # a web page saved under a .txt name is still markup
    return by_suffix


def read_source(path, options: OcrOptions | None = None) -> Extract:
    """The Extract of the file at `path`; raises SourceError with a human reason for a file
    that cannot be read. `options` say where OCR results are cached and whom to tell of
    each recognised page."""
    fmt = sniff(path, _head(path))
    reader = READERS[fmt]
    raw = read_bytes(path, reader.MAX_BYTES, reader.TYPICAL)
    if not raw:
        raise SourceError(path, "empty file")
    return reader.read(path, raw, hashlib.sha256(raw).hexdigest(), options or OcrOptions())


def _is_word_package(path) -> bool:
    try:
        with zipfile.ZipFile(path) as package:
            return docx.BODY in package.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def _head(path) -> bytes:
    if not os.path.isfile(path):  # opening a pipe would block; read_bytes says what it is
        return b""
    try:
        with open(path, "rb") as fh:
            return fh.read(16)
    except OSError:
        return b""  # read_bytes says what is wrong
