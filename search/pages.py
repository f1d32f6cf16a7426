"""Where an item lies on its original's pages: page numbers, OCR confidence, marked regions.

The ingest stage gives each page of a PDF or scan the range of the extracted text it
holds and the boxes of its lines (offsets into the text, PDF points from the page's top
left). An item's span is a range of the same text, so the pages it spans are the pages
whose ranges it overlaps, and its region on a page is the part of each line box its span
covers. The pipeline gives each item its pages and OCR confidence (`locate`), which the
index keeps; the searcher computes the regions when an item is opened (`line_regions`).
"""
from __future__ import annotations

from bisect import bisect_right

from search.model import Document

# Page numbers of an item, as (first, last) 1-based physical page numbers.
PageRange = tuple[int, int]


def _overlap(a: int, b: int, start: int, end: int) -> int:
    return max(0, min(b, end) - max(a, start))


def spanned(bounds: list[tuple[int, int]], start: int, end: int) -> list[int]:
    """Indexes of the pages whose text range [a, b) overlaps the span [start, end).

    `bounds` are the pages' ranges in reading order. A span that falls between two
    pages (on the blank line that joins their texts) belongs to the page before.
    """
    end = max(end, start + 1)
    found = [i for i, (a, b) in enumerate(bounds) if a < end and start < b]
    if not found:
        before = bisect_right([a for a, _ in bounds], start) - 1
        found = [before] if before >= 0 else []
    return found


def page_range(bounds: list[tuple[int, int]], start: int, end: int) -> PageRange | None:
    found = spanned(bounds, start, end)
    return (found[0] + 1, found[-1] + 1) if found else None


def ocr_confidence(pages, start: int, end: int) -> float | None:
    """Mean OCR confidence (0–100) over the span's OCR'd text, weighted by characters;
    None when none of its text came from OCR."""
    weight = total = 0.0
    for page in pages:
        if page.ocr:
            n = _overlap(page.start, page.end, start, end)
            weight += n
            total += n * (page.confidence or 0.0)
    return round(total / weight, 1) if weight else None


def locate(doc: Document) -> Document:
    """Give each item of `doc` its page range and, for OCR'd text, its confidence."""
    pages = doc.pages
    if not pages:
        return doc
    bounds = [(p.start, p.end) for p in pages]
    for item in doc.items:
        item.pages = page_range(bounds, item.span.start, item.span.end)
        item.ocr_confidence = ocr_confidence(pages, item.span.start, item.span.end)
    return doc


def line_regions(lines, start: int, end: int) -> list[tuple[float, float, float, float]]:
    """The parts of a page's line boxes that the span [start, end) covers.

    `lines` are (start, end, x0, y0, x1, y1). A line the span covers in part (an item
    that starts or ends mid-line) is cut in proportion to its characters: the text is
    Chinese, set in characters of one width.
    """
    out = []
    for a, b, x0, y0, x1, y1 in lines:
        s, e = max(a, start), min(b, end)
        if e <= s:
            continue
        n = max(1, b - a)
        left = x0 + (x1 - x0) * (s - a) / n
        right = x0 + (x1 - x0) * (e - a) / n
        out.append((round(left, 1), round(y0, 1), round(right, 1), round(y1, 1)))
    return out
