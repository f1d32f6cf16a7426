"""Read a source file into text: detect its encoding, normalise line ends, fingerprint it.

Briefings reach us as text extracted from PDFs by different tools, so the same issue may
arrive as UTF-8 (with or without a BOM), UTF-16, or GBK/GB18030 from older Windows tools,
with CRLF or bare CR line ends. Whatever the form, the parser sees one clean `str`.
"""
from __future__ import annotations

import codecs
import re

from search.errors import SourceError
from search.ingest.cleanup import clean_text
from search.ingest.extract import TEXT, Extract

# BOMs are checked longest first: the UTF-32 LE BOM starts with the UTF-16 LE one.
# Each entry: BOM, codec that decodes the rest, name reported for the document.
_BOMS = (
    (codecs.BOM_UTF8, "utf-8", "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32-le", "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16-be"),
)

# A briefing issue is 5–20 KB of text; anything this large is not one, and reading it
# whole would only cost memory and time.
MAX_BYTES = 10 * 2**20
TYPICAL = "a briefing issue is a few KB"

# More than this share of C0 control characters (other than tab, LF, CR, FF) means the
# bytes are not text, even if some codec happens to accept them.
_CONTROL_LIMIT = 0.05
_CONTROLS = re.compile("[\x01-\x08\x0b\x0e-\x1f]")  # a NUL alone already means binary


def read(path, raw: bytes, digest: str, options=None) -> Extract:
    """The Extract of a text file's bytes; a SourceError with a human reason for anything
    that is not readable text."""
    text, encoding = decode(path, raw)
    if text.startswith("\ufeff"):
        text = text[1:]
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise SourceError(path, "empty file (only white space)")
    if _looks_binary(text):
        raise SourceError(path, "binary file, not text")
    return Extract(text=clean_text(text), encoding=encoding, sha256=digest, format=TEXT)


def decode(path, raw: bytes) -> tuple[str, str]:
    for bom, codec, name in _BOMS:
        if raw.startswith(bom):
            try:
                return raw[len(bom):].decode(codec), name
            except UnicodeDecodeError:
                raise SourceError(path, f"undecodable text: starts with a {codec.upper()} byte "
                                        "order mark but the rest is not valid (truncated?)") from None
    # NUL bytes never occur in UTF-8 or GB18030 text; without a BOM they mean binary data
    # (or BOM-less UTF-16, which PDF extractors do not produce).
    if b"\x00" in raw:
        raise SourceError(path, "binary file (contains NUL bytes)")
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        utf8_error = exc
    # GB18030 is a superset of GBK and GB2312, so one attempt covers all three.
    try:
        return raw.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        pass
    raise SourceError(path, f"undecodable text: neither UTF-8 (bad byte at offset "
                            f"{utf8_error.start}) nor GB18030/GBK; truncated or corrupt file?")


def _looks_binary(text: str) -> bool:
    if "\x00" in text:
        return True
    return len(_CONTROLS.findall(text)) > _CONTROL_LIMIT * len(text)
