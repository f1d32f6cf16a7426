"""Word .docx with python-docx: the body's paragraphs and tables in document order.

Headers and footers are other parts of the package and are not read: like a PDF's running
header, they are never part of an item. A paragraph's soft line breaks and tab-separated
parts (the masthead's publisher and date on one line) become paragraphs of their own. The
core properties give the title, author and a date for a text that names none.
"""
from __future__ import annotations

import io
import re
import zipfile

from search.errors import SourceError
from search.ingest.extract import DOCX, Extract, TextBuilder, given

MAX_BYTES = 50 * 2**20
TYPICAL = "a briefing issue is well under 5 MB"
# A .docx is a zip: these bound what unpacking it may cost, checked before anything is
# unpacked (a zip bomb declares sizes it cannot have honestly).
MAX_UNPACKED = 200 * 2**20
MAX_RATIO = 200  # XML compresses ~10:1, images not at all; a bomb ~1000:1
MAX_MEMBERS = 5000
BODY = "word/document.xml"
# A run of tabs, or of two or more spaces (ideographic ones included), separates the parts
# of a line set as one row.
_ROW_GAP = re.compile(r"\t+|[ \u3000]{2,}")


def read(path, raw: bytes, digest: str, options=None) -> Extract:
    check_package(path, raw)
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    try:
        document = docx.Document(io.BytesIO(raw))
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise SourceError(path, f"not a readable Word document ({exc})") from None
    except Exception as exc:  # lxml: a damaged document part
        raise SourceError(path, f"damaged Word document ({type(exc).__name__}: {exc})") from None
    builder = TextBuilder()
    for block in body_blocks(document):
        for line in block.split("\n"):
            for part in _ROW_GAP.split(line):
                builder.add_paragraph(part.strip())
    text = builder.text()
    if not text.strip():
        raise SourceError(path, "Word document with no text in its body")
    return Extract(text=text, encoding=DOCX, sha256=digest, format=DOCX, meta=_meta(document))


def check_package(path, raw: bytes) -> None:
    """Refuse a zip that is no Word document, or that would unpack to far more than it is."""
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as package:
            members = package.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise SourceError(path, "not a Word .docx file (not a zip package; an old .doc renamed?)") from None
    if len(members) > MAX_MEMBERS:
        raise SourceError(path, f"not a Word document: a zip of {len(members)} files")
    if BODY not in {m.filename for m in members}:
        raise SourceError(path, "not a Word .docx file (a zip without word/document.xml)")
    unpacked = sum(m.file_size for m in members)
    if unpacked > MAX_UNPACKED:
        raise SourceError(path, f"Word document that would unpack to {unpacked / 2**20:.0f} MB "
                                f"(limit {MAX_UNPACKED // 2**20} MB): a zip bomb?")
    for m in members:
        if m.file_size > 2**20 and m.file_size > MAX_RATIO * max(1, m.compress_size):
            raise SourceError(path, f"Word document whose {m.filename} unpacks {m.file_size // max(1, m.compress_size)}"
                                    f" times its size: a zip bomb?")


def body_blocks(document):
    """The text of each paragraph and table cell of the body, in document order; a
    paragraph of a bulleted list (Word draws its ★ or • itself) starts with its bullet."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph
    bullets = _Bullets(document)
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            paragraph = Paragraph(child, document)
            bullet = bullets.of(paragraph)
            yield f"{bullet} {paragraph.text}" if bullet and paragraph.text.strip() else paragraph.text
        elif tag == "tbl":
            yield from _cells(Table(child, document))


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


class _Bullets:
    """The bullet Word draws before a list paragraph: its numbering level's symbol, from
    the paragraph's own numbering or its style's (numbered lists are left as they are)."""

    def __init__(self, document):
        self._levels: dict[tuple[str, str], str | None] = {}
        try:
            numbering = document.part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError):
            return
        abstract = {a.get(_W + "abstractNumId"): a for a in numbering.iter(_W + "abstractNum")}
        for num in numbering.iter(_W + "num"):
            ref = num.find(_W + "abstractNumId")
            levels = abstract.get(ref.get(_W + "val")) if ref is not None else None
            for lvl in levels.iter(_W + "lvl") if levels is not None else ():
                fmt, text = lvl.find(_W + "numFmt"), lvl.find(_W + "lvlText")
                if fmt is not None and fmt.get(_W + "val") == "bullet":
                    symbol = (text.get(_W + "val") if text is not None else "") or "•"
                    # Symbol and Wingdings bullets are private-use code points: drawn, not text.
                    self._levels[(num.get(_W + "numId"), lvl.get(_W + "ilvl"))] = \
                        symbol if symbol.isprintable() and not 0xE000 <= ord(symbol[0]) <= 0xF8FF else "•"

    def of(self, paragraph) -> str | None:
        if not self._levels:
            return None
        num_pr = self._num_pr(paragraph._p.pPr)
        style = paragraph.style
        while num_pr is None and style is not None:
            num_pr = self._num_pr(style.element.pPr)
            style = style.base_style
        if num_pr is None or num_pr.numId is None:
            return None
        level = num_pr.ilvl.val if num_pr.ilvl is not None else 0
        return self._levels.get((str(num_pr.numId.val), str(level)))

    @staticmethod
    def _num_pr(ppr):
        return ppr.numPr if ppr is not None else None


def _cells(table):
    seen = set()
    for row in table.rows:
        for cell in row.cells:
            if id(cell._tc) in seen:  # a merged cell is listed once per grid column it spans
                continue
            seen.add(id(cell._tc))
            for paragraph in cell.paragraphs:
                yield paragraph.text
            for inner in cell.tables:
                yield from _cells(inner)


# python-docx's own template carries this date; a file made from it and never given its
# own says nothing by it.
TEMPLATE_CREATED = "2013-12-23T23:15:00"


def _meta(document) -> dict:
    props = document.core_properties
    meta = {key: value for key, value in (("title", given(props.title)), ("author", given(props.author))) if value}
    when = props.created or props.modified
    if when is not None and when.replace(tzinfo=None).isoformat() != TEMPLATE_CREATED:
        meta["date"] = when.date().isoformat()
    return meta
