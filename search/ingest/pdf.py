"""PDF with pypdfium2: lines rebuilt from the character boxes, pages without text OCR'd.

pdfium's own text output keeps the layout's line breaks and page furniture and puts
quotation marks wherever their glyphs sit, so lines are rebuilt here from each character's
box (grouped by baseline, in content order) and handed to `layout` with their geometry.
A page with no text layer is rendered and recognised by `ocr`.
"""
from __future__ import annotations

import ctypes
import re

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from search.errors import SourceError
from search.ingest import ocr
from search.ingest.extract import PDF, Extract, TextBuilder, given
from search.ingest.layout import PageLines, Paragrapher, TextLine

# A briefing issue is 4–20 pages; a yearly volume a few hundred. Past this a file is no
# briefing (and OCR'ing it would hold a worker for an hour): it is skipped, not cut short.
MAX_PAGES = 300
MAX_BYTES = 200 * 2**20
TYPICAL = "a briefing issue is well under 10 MB"

# Characters further apart than this many font sizes, in blank space or spaces, are two
# parts of a row (columns, the masthead's publisher and date set apart by 　　), not one line.
ROW_GAP = 1.5
# A page with fewer real characters than this has no text layer worth reading.
MIN_PAGE_CHARS = 10


def read(path, raw: bytes, digest: str, options) -> Extract:
    try:
        pdf = pdfium.PdfDocument(raw)
    except pdfium.PdfiumError as exc:
        message = str(exc)
        if "password" in message.lower():
            raise SourceError(path, "encrypted PDF (password protected): save an unprotected copy") from None
        raise SourceError(path, f"corrupt or unreadable PDF ({message.split('(')[-1].rstrip(').')})") from None
    try:
        count = len(pdf)
        if count == 0:
            raise SourceError(path, "PDF with no pages")
        if count > MAX_PAGES:
            raise SourceError(path, f"PDF of {count} pages; the limit is {MAX_PAGES} "
                                    f"(a briefing issue is a few pages: split the file)")
        pages, scans = [], []
        for index in range(count):
            page = pdf[index]
            lines = page_lines(page)
            width, height = page.get_size()
            entry = PageLines(index + 1, width, height, lines, label=_label(pdf, index))
            if sum(len(ln.text) for ln in lines) < MIN_PAGE_CHARS:
                scans.append(index)
            pages.append(entry)
            page.close()
        if scans:
            ocr.recognise_pdf_pages(path, pdf, pages, scans, digest, options)
        meta = _meta(pdf)
    finally:
        pdf.close()
    builder = TextBuilder()
    Paragrapher(builder, size_tolerance=0.25 if scans else 0.1).write(pages)
    text = builder.text()
    if not text.strip():
        raise SourceError(path, "PDF with no text (no text layer and nothing recognised)")
    return Extract(text=text, encoding=PDF, sha256=digest, format=PDF, pages=builder.pages, meta=meta)


def page_lines(page) -> list[TextLine]:
    """The page's text lines, rebuilt from its characters' boxes, in content order."""
    textpage = page.get_textpage()
    try:
        handle = textpage.raw
        count = pdfium_c.FPDFText_CountChars(handle)
        shown = _as_shown(page)
        rect = pdfium_c.FS_RECTF()
        lines: list[TextLine] = []
        chars: list[tuple[str, float, float, float, float, float]] = []
        for i in range(count):
            if pdfium_c.FPDFText_IsGenerated(handle, i) == 1:
                continue
            code = pdfium_c.FPDFText_GetUnicode(handle, i)
            if code < 32 or 0xFFFE <= code <= 0xFFFF or 0xD800 <= code <= 0xDFFF:
                continue
            pdfium_c.FPDFText_GetLooseCharBox(handle, i, ctypes.byref(rect))
            size = pdfium_c.FPDFText_GetFontSize(handle, i) or (rect.top - rect.bottom)
            ch = chr(code)
            (x0, y0), (x1, y1) = shown(rect.left, rect.top), shown(rect.right, rect.bottom)
            box = (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1), size)
            if ch.isspace():
                if chars:
                    chars.append((ch, *box))
                continue
            if chars and not _same_line(last, box):
                lines.append(_line(chars))
                chars = []
            last = (ch, *box)
            chars.append(last)
        if chars:
            lines.append(_line(chars))
        return [ln for ln in lines if ln.text]
    finally:
        textpage.close()


def _as_shown(page):
    """Maps a point of the page's content (PDF units, origin bottom left) to where it is
    on the page as shown (origin top left, y down), as pdfium renders it and `get_size`
    measures it: a page stored on its side with /Rotate 90 or 270 (a landscape scan, a
    page set sideways) shows its content turned clockwise, and its lines run across."""
    left, bottom, right, top = page.get_bbox()  # the crop box: what is rendered
    return {
        0: lambda x, y: (x - left, top - y),
        90: lambda x, y: (y - bottom, x - left),
        180: lambda x, y: (right - x, y - bottom),
        270: lambda x, y: (top - y, right - x),
    }[page.get_rotation() % 360]


def _same_line(last, box) -> bool:
    """Does a character with `box` go on the line whose last visible character is `last`?"""
    _, x0, y0, x1, y1, size = last
    nx0, ny0, nx1, ny1, nsize = box
    if abs(ny1 - y1) > 0.4 * max(size, nsize):  # another baseline
        return False
    if nx0 < x0 - 0.5 * size:  # back to the left: the next line
        return False
    return nx0 - x1 <= ROW_GAP * max(size, nsize)  # far to the right: the row's next part


def _line(chars) -> TextLine:
    text = re.sub(r"\s+", " ", "".join(c[0] for c in chars)).strip()
    visible = [c for c in chars if not c[0].isspace()] or chars
    sizes = sorted(c[5] for c in visible)
    return TextLine(text, min(c[1] for c in visible), min(c[2] for c in visible),
                    max(c[3] for c in visible), max(c[4] for c in visible), sizes[len(sizes) // 2])


def _label(pdf, index: int) -> str | None:
    try:
        return pdf.get_page_label(index) or None
    except (pdfium.PdfiumError, AttributeError):
        return None


_PDF_DATE = re.compile(r"D:(\d{4})(\d{2})(\d{2})")


def _meta(pdf) -> dict:
    info = pdf.get_metadata_dict(skip_empty=True)
    meta = {key: value for key, value in (("title", given(info.get("Title"))), ("author", given(info.get("Author"))))
            if value}
    # When the file was made, not when the issue appeared: the parser never takes it for one.
    found = _PDF_DATE.match(info.get("CreationDate", ""))
    if found:
        meta["created"] = "-".join(found.groups())
    return meta
