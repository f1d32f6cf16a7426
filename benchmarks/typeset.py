"""Briefings typeset as the files users hold: text-layer PDFs and scans of them.

`typeset_pdf` sets a briefing's text on A4 pages with reportlab's built-in CID font
STSong-Light (no font file; `invariant=1` makes the bytes depend on the text only): one
paragraph per blank-line-separated block, short lines (the masthead, titles) centred,
long ones wrapped at the measure, and `— N —` at the foot of each page, as the real
issues are printed. `scan_pdf` renders such a PDF with pdfium and wraps the page images
in an image-only PDF, as a scanner would: no text layer, only pixels for OCR.

The benchmark's PDF corpus and the tests' PDFs are made here.
"""
from __future__ import annotations

import io
from pathlib import Path

FONT = "STSong-Light"
PAGE_W, PAGE_H = 595.27, 841.89  # A4 in points
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = 72.0, 72.0, 80.0
CENTRED_UP_TO = 24  # characters: a shorter paragraph is a masthead line or a title (not a list entry)
SCAN_DPI = 200


def _font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def _wrap(paragraph: str, width: float, size: float) -> list[str]:
    """The paragraph cut into lines no wider than `width`, character by character (a
    Chinese line breaks anywhere; so does a layout engine's)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    lines, line, used = [], [], 0.0
    widths: dict[str, float] = {}
    for ch in paragraph:
        w = widths.get(ch)
        if w is None:
            w = widths[ch] = stringWidth(ch, FONT, size)
        if line and used + w > width:
            lines.append("".join(line))
            line, used = [], 0.0
        line.append(ch)
        used += w
    if line:
        lines.append("".join(line))
    return lines


def typeset_pdf(text: str, size: float = 12.0, leading: float = 1.6) -> bytes:
    """The text as a PDF with a text layer; → the PDF's bytes."""
    from reportlab.pdfgen import canvas

    font = _font()
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=(PAGE_W, PAGE_H), invariant=1)
    measure = PAGE_W - 2 * MARGIN_X
    step = size * leading
    page = 1
    y = PAGE_H - MARGIN_TOP

    def new_page():
        nonlocal page, y
        folio = f"— {page} —"
        pdf.setFont(font, 10)
        pdf.drawCentredString(PAGE_W / 2, MARGIN_BOTTOM / 2, folio)
        pdf.showPage()
        page += 1
        y = PAGE_H - MARGIN_TOP

    for block in text.split("\n\n"):
        for paragraph in filter(None, (" ".join(line.split()) for line in block.split("\n"))):
            centred = len(paragraph) <= CENTRED_UP_TO and not paragraph.startswith(("-", "★", "☆"))
            indent = 0.0 if centred else 2 * size
            for n, line in enumerate(_wrap(paragraph, measure - indent, size)):
                if y < MARGIN_BOTTOM:
                    new_page()
                pdf.setFont(font, size)
                if centred:
                    pdf.drawCentredString(PAGE_W / 2, y, line)
                else:
                    pdf.drawString(MARGIN_X + (indent if n == 0 else 0), y, line)
                y -= step
        y -= step * 0.4  # between blocks
    new_page()
    pdf.save()
    return out.getvalue()


def scan_pdf(pdf: bytes, dpi: int = SCAN_DPI) -> bytes:
    """Each page of `pdf` rendered to a greyscale image, the images wrapped as a PDF."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    try:
        images = [doc[i].render(scale=dpi / 72, grayscale=True).to_pil().convert("L") for i in range(len(doc))]
    finally:
        doc.close()
    out = io.BytesIO()
    images[0].save(out, format="PDF", save_all=True, append_images=images[1:], resolution=dpi)
    return out.getvalue()


def page_image(pdf: bytes, dpi: int = SCAN_DPI) -> bytes:
    """The first page of `pdf` as a greyscale PNG, as a phone or a scanner saves a page."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    try:
        image = doc[0].render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
    finally:
        doc.close()
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path
