"""From positioned lines on pages to paragraphs: what a PDF or a scan shows, as the parser reads it.

Every layout engine leaves the same scars: lines broken by the page width, running headers
and page numbers on every page, paragraphs that go on over a page break, titles wrapped
over two lines, and two things printed on one line (the masthead's publisher and date).
The geometry says which is which, so it decides here, for text-layer PDFs and OCR alike:

- page furniture: a line at the top or bottom of a page that is a page number (`— 3 —`,
  `- 3 -`, `第 2 页 共 5 页`, `3/5`, `Page 3`) or that repeats, digits aside, on most pages;
- a new paragraph starts where a line is indented, follows a line that ended short of the
  right margin, starts with a bullet (★ ☆ ●), changes font size, is centred, stands apart
  by a wider gap, or shares its row with the line before (a gap of several characters splits a row into such parts);
- a centred heading whose first line fills the column goes on in the next centred line;
- anything else continues the paragraph, over a page break too.
"""
from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field

from search.ingest.extract import TextBuilder
from search.parse.lines import BULLETS


@dataclass
class TextLine:
    text: str
    x0: float  # box in points, origin top left
    y0: float
    x1: float
    y1: float
    size: float  # font size (PDF) or line height (OCR), points
    # Where the line stands on the page, when the box above was turned straight for the
    # layout (a page scanned askew); None: the box above.
    page_box: tuple[float, float, float, float] | None = None


@dataclass
class PageLines:
    number: int
    width: float
    height: float
    lines: list[TextLine] = field(default_factory=list)
    label: str | None = None
    ocr: bool = False
    confidence: float | None = None


# How many lines at each end of a page may be running headers, footers or page numbers.
FURNITURE_DEPTH = 3
# A line (digits aside) printed at the top or bottom of at least this share of the pages
# is a running header or footer, when the document has at least two pages.
REPEAT_SHARE = 0.5
REPEAT_PLACE = 0.02  # … within this share of the page's height of the same place

_DASHES = "-—–－‐‑‒―~～·•*"
PAGE_NUMBER = re.compile(
    rf"[{_DASHES}]*\d{{1,4}}[{_DASHES}]*"  # 3, — 3 —, - 3 -
    r"|第\d{1,4}页(?:[,，/／]?共\d{1,4}页)?"  # 第 2 页, 第 2 页 共 5 页
    r"|共\d{1,4}页[,，/／]?第\d{1,4}页"
    r"|\d{1,4}[/／]\d{1,4}"  # 3/5
    r"|(?:page|p\.?)\d{1,4}(?:(?:of|/)\d{1,4})?",  # Page 3, Page 3 of 5
    re.IGNORECASE)


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def is_page_number(text: str) -> bool:
    return PAGE_NUMBER.fullmatch(_squash(text)) is not None


def _repeat_key(text: str) -> str:
    return re.sub(r"\d+", "#", _squash(text))


def drop_furniture(pages: list[PageLines]) -> None:
    """Remove running headers, footers and page numbers from the top and bottom of each page.

    A running header repeats in the same place and size: the masthead's series name at
    the top of page 1 is no header even when the header on later pages says the same.
    """
    seen: dict[str, list[tuple[int, TextLine]]] = {}
    for page in pages:
        top, bottom = _ends(page)
        for line in top + bottom:
            seen.setdefault(_repeat_key(line.text), []).append((page.number, line))
    needed = max(2, -(-len(pages) * REPEAT_SHARE // 1))

    def repeated(line: TextLine, page: PageLines) -> bool:
        if len(pages) < 2:
            return False
        tolerance = REPEAT_PLACE * page.height
        alike = {number for number, other in seen.get(_repeat_key(line.text), ())
                 if abs(other.y0 - line.y0) <= tolerance and abs(other.size - line.size) <= 0.2 * line.size}
        return len(alike) >= needed

    for page in pages:
        top, bottom = _ends(page)
        drop = set()
        for run in (top, bottom):
            for line in run:
                if not (is_page_number(line.text) or repeated(line, page)):
                    break
                drop.add(id(line))
        if len(drop) < len(page.lines):  # a page of nothing but a number keeps it
            page.lines = [ln for ln in page.lines if id(ln) not in drop]


def _ends(page: PageLines) -> tuple[list[TextLine], list[TextLine]]:
    ordered = sorted(page.lines, key=lambda ln: (ln.y0, ln.x0))
    return ordered[:FURNITURE_DEPTH], ordered[::-1][:FURNITURE_DEPTH]


@dataclass
class _Column:
    left: float
    right: float
    size: float  # the body text's size
    pitch: float  # baseline to baseline of body lines

    @property
    def width(self) -> float:
        return max(1.0, self.right - self.left)


def _column(lines: list[TextLine], fallback: _Column | None) -> _Column | None:
    sizes = [ln.size for ln in lines for _ in range(max(1, len(ln.text)))]
    if not sizes:
        return fallback
    size = statistics.median(sizes)
    body = [ln for ln in lines if abs(ln.size - size) <= 0.15 * size]
    if len(body) < 6 and fallback is not None:
        return fallback
    x0s = sorted(ln.x0 for ln in body)
    left = x0s[len(x0s) // 10]
    widest = max(ln.x1 for ln in body)
    long_ends = [ln.x1 for ln in body if ln.x1 > left + 0.6 * (widest - left)] or [widest]
    right = statistics.median(long_ends)
    steps = [b.y0 - a.y0 for a, b in zip(body, body[1:]) if 0.8 * size < b.y0 - a.y0 < 3 * size]
    pitch = statistics.median(steps) if steps else 1.6 * size
    return _Column(left, right, size, pitch)


class Paragrapher:
    """Writes pages of lines into a TextBuilder as paragraphs (see the module's rules)."""

    def __init__(self, builder: TextBuilder, size_tolerance: float = 0.1):
        self.builder = builder
        self.size_tolerance = size_tolerance
        self._previous: TextLine | None = None  # the last line written, on this page or the last
        self._previous_column: _Column | None = None
        self._same_page = False

    def write(self, pages: list[PageLines]) -> None:
        drop_furniture(pages)
        document_column = _column([ln for p in pages for ln in p.lines], None)
        for page in pages:
            self.builder.begin_page(page.number, page.width, page.height, page.label, page.ocr,
                                    page.confidence)
            column = _column(page.lines, document_column)
            self._same_page = False
            for line in page.lines:
                self._add(line, column)
                self._same_page = True
            self.builder.end_page()
        self.builder.end_paragraph()

    def _add(self, line: TextLine, column: _Column) -> None:
        new = self._starts_paragraph(line, column)
        self.builder.add_line(line.text, line.page_box or (line.x0, line.y0, line.x1, line.y1), new_paragraph=new)
        self._previous, self._previous_column = line, column

    def _centred(self, line: TextLine, column: _Column) -> bool:
        before, after = line.x0 - column.left, column.right - line.x1
        return before > 2.5 * column.size and abs(before - after) < 2 * column.size

    def _balanced(self, line: TextLine, column: _Column) -> bool:
        """Set in the middle, as a centred line that nearly fills the column is."""
        before, after = line.x0 - column.left, column.right - line.x1
        return before > 0.3 * column.size and abs(before - after) < column.size

    def _starts_paragraph(self, line: TextLine, column: _Column) -> bool:
        prev = self._previous
        if prev is None:
            return True
        prev_column = self._previous_column or column
        em = column.size
        if abs(line.size - prev.size) > self.size_tolerance * max(line.size, prev.size):
            return True
        heading = line.size > column.size * (1 + self.size_tolerance)
        # A heading never goes on from a line of body text, nor body text from a heading,
        # even when their sizes are closer than the tolerance allows (a scan's line heights
        # are rough, so its tolerance is wide): the body sets the measure.
        if heading != (prev.size > prev_column.size * (1 + self.size_tolerance)):
            return True
        if self._same_page:
            if line.y0 < prev.y1 - 0.3 * line.size:  # on the same row: a separate part
                return True
            if line.y0 - prev.y0 > 1.45 * column.pitch * (line.size / column.size):
                return True
        if self._centred(line, column) or self._centred(prev, prev_column):
            # A centred heading wrapped: its first line filled the column.
            wrapped = (self._centred(line, column) and prev.x1 - prev.x0 > 0.75 * prev_column.width
                       and (heading or self._balanced(prev, prev_column)))
            return not wrapped
        if heading:
            # A heading that is not centred goes on only while its lines fill the column.
            return prev.x1 < prev_column.right - 1.5 * em
        if line.x0 > column.left + 0.8 * em or line.text[0] in BULLETS:  # indented, or a list entry
            return True
        return prev.x1 < prev_column.right - 1.5 * em  # the line before ended short
