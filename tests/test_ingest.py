"""Ingest of the files users hold: text-layer PDFs, scans, Word, saved web pages, old Word.

Every document is made here: PDFs with reportlab's built-in CID font (running headers,
page numbers in several styles, titles wrapped, a paragraph over a page break), scans by
rendering such a PDF with pdfium, Word files with python-docx, web pages as strings.
"""
from __future__ import annotations

import io
import json
import math
import re
import subprocess
import sys
import zipfile

import pypdfium2 as pdfium
import pytest
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas

from benchmarks.typeset import scan_pdf
from search.errors import SourceError
from search.index import build_index
from search.ingest import ocr, read_source
from search.ingest.layout import is_page_number
from search.pipeline import read_document

from support import ROOT

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))
W, H = 595.27, 841.89
MARGIN = 72
needs_ocr = pytest.mark.skipif(ocr.missing() is not None, reason=f"OCR: {ocr.missing()}")

SENTENCE = "南通援疆工作组深入伊宁县开展调研，围绕产业援疆和民生改善推进各项工作。"
# Paragraphs of a briefing: (text, how it is set).
BRIEFING = [
    ("援疆工作简报", "masthead"),
    ("2017 年第 17 期（总第 17 期）", "centre"),
    ("江苏省对口支援新疆伊犁州前方指挥部\u3000\u3000\u30002017 年 6 月 19 日", "centre"),
    ("【本期要目】", "left"),
    ("★ 南通援疆工作组全力推进产业援疆和民生工程建设，确保各项援疆项目按期完成并发挥效益", "left"),
    ("★ 苏州援疆工作组召开专题会议", "left"),
    ("南通援疆工作组全力推进产业援疆和民生工程建设，确保各项援疆项目按期完成并发挥效益", "title"),
    (SENTENCE * 25, "body"),
    ("工作组表示将继续努力。" + SENTENCE * 45 + "这段话在下一张纸上结束。", "body"),
    ("苏州援疆工作组召开专题会议", "title"),
    (SENTENCE * 20 + "Belt and Road Initiative 合作项目在霍尔果斯落地。", "body"),
]


def typeset(paragraphs=BRIEFING, folio="— {n} —", header=None, size=12.0, folio_top=False,
            pagesize=(W, H)) -> bytes:
    """A text-layer PDF of `paragraphs`: justified body with a two-character indent,
    centred titles wrapped at the measure, a page number (and running header) on each page."""
    page_width, page_height = pagesize

    def run(total):
        out = io.BytesIO()
        pdf = canvas.Canvas(out, pagesize=pagesize, invariant=1)
        state = {"page": 1, "y": page_height - MARGIN}
        measure = page_width - 2 * MARGIN

        def furniture():
            pdf.setFont(FONT, 9)
            pdf.drawCentredString(page_width / 2, page_height - 40 if folio_top else 40,
                                  folio.format(n=state["page"], total=total))
            if header:
                pdf.drawString(MARGIN, page_height - 52, header)

        for text, how in paragraphs:
            pt = {"masthead": 2 * size, "title": 1.3 * size}.get(how, size)
            indent = 2 * pt if how == "body" else 0
            lines, line = [], ""
            for ch in text:
                width = measure - (indent if not lines else 0)
                if line and stringWidth(line + ch, FONT, pt) > width:
                    lines.append(line)
                    line = ""
                line += ch
            lines.append(line)
            for n, line in enumerate(lines):
                if state["y"] < MARGIN:
                    furniture()
                    pdf.showPage()
                    state["page"] += 1
                    state["y"] = page_height - MARGIN
                pdf.setFont(FONT, pt)
                if how in ("masthead", "centre", "title"):
                    pdf.drawCentredString(page_width / 2, state["y"], line)
                else:
                    pdf.drawString(MARGIN + (indent if n == 0 else 0), state["y"], line)
                state["y"] -= pt * 1.6
            state["y"] -= 0.4 * size
        furniture()
        pdf.showPage()
        pdf.save()
        return out.getvalue(), state["page"]

    data, pages = run(0)
    return run(pages)[0]


def write(tmp_path, name, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


# ------------------------------------------------------------------------------ PDF

@pytest.mark.parametrize("folio, header, top", [
    ("— {n} —", None, False),
    ("- {n} -", "援疆工作简报 2017年第17期", False),
    ("第 {n} 页 共 {total} 页", None, True),
    ("{n}/{total}", "江苏省对口支援新疆伊犁州前方指挥部", False),
    ("Page {n}", None, False),
])
def test_pdf_page_furniture_is_never_part_of_an_item(tmp_path, folio, header, top):
    doc = read_document(write(tmp_path, "issue.pdf", typeset(folio=folio, header=header, folio_top=top)))
    assert doc.format == "pdf" and len(doc.pages) >= 3
    assert (doc.series, doc.issue_no, doc.date) == ("援疆工作简报", 17, "2017-06-19")
    assert doc.publisher == "江苏省对口支援新疆伊犁州前方指挥部"
    assert [it.title for it in doc.items] == [BRIEFING[6][0], BRIEFING[9][0]]
    first, second = doc.items
    # The second paragraph runs over a page break and is whole, with no page number inside.
    assert squash(BRIEFING[8][0]) in squash(first.body)
    assert squash(first.body).endswith(squash(BRIEFING[8][0]))
    folios = [squash(folio.format(n=n, total=len(doc.pages))) for n in range(1, len(doc.pages) + 1)]
    for item in doc.items:
        assert not any(f in squash(item.body) for f in folios)
        if header:
            assert squash(header) not in squash(item.body)
    assert "Belt and Road Initiative" in second.body  # Latin words keep their spaces


def test_pdf_lines_joined_without_spaces_between_han_characters(tmp_path):
    doc = read_document(write(tmp_path, "issue.pdf", typeset()))
    body = doc.items[0].body
    assert SENTENCE * 3 in body  # wrapped lines joined, no space or line end between
    assert doc.items[0].title == BRIEFING[6][0]  # a centred title wrapped over two lines


@pytest.mark.parametrize("text", ["— 3 —", "- 3 -", "3", "第 2 页 共 5 页", "第2页", "3/5", "Page 3 of 5", "·12·"])
def test_page_number_styles(text):
    assert is_page_number(text)


@pytest.mark.parametrize("text", ["2017年第9期", "本期要目", "一、领导带头", "3月5日", "共印 150 份"])
def test_text_is_no_page_number(text):
    assert not is_page_number(text)


def test_pdf_page_map_points_at_the_text_on_the_page(tmp_path):
    path = write(tmp_path, "issue.pdf", typeset(header="援疆工作简报"))
    extract = read_source(path)
    pdf = pdfium.PdfDocument(str(path))
    try:
        assert [p.number for p in extract.pages] == list(range(1, len(pdf) + 1))
        for page in extract.pages:
            assert page.width == pytest.approx(W, abs=0.1) and page.height == pytest.approx(H, abs=0.1)
            assert page.lines and not page.ocr
            textpage = pdf[page.number - 1].get_textpage()
            for start, end, x0, y0, x1, y1 in page.lines:
                assert page.start <= start < end <= page.end
                assert 0 <= x0 < x1 <= W and 0 <= y0 < y1 <= H  # top-left origin
                # What pdfium finds in the box is the text the offsets point at.
                found = textpage.get_text_bounded(x0 + 0.5, H - y1 + 1, x1 - 0.5, H - y0 - 1)
                assert squash(extract.text[start:end]) == squash(found)
    finally:
        pdf.close()
    # Pages in order, their texts one after the other.
    assert all(a.end <= b.start for a, b in zip(extract.pages, extract.pages[1:]))


def test_items_know_their_pages(tmp_path):
    doc = read_document(write(tmp_path, "issue.pdf", typeset()))
    first, second = doc.items
    assert first.pages[0] == 1 and first.pages[1] >= 2  # it runs over a page break
    assert second.pages[1] == len(doc.pages)


def stored_on_its_side(pdf: bytes, angle: int) -> bytes:
    """`pdf` with each page stored turned back by `angle` degrees and a /Rotate of `angle`:
    it shows as before, as a page set sideways or scanned on its side and rotated for display."""
    src, out = pdfium.PdfDocument(pdf), pdfium.PdfDocument.new()
    for index in range(len(src)):
        width, height = src[index].get_size()
        page = out.new_page(*((height, width) if angle % 180 else (width, height)))
        content = src.page_as_xobject(index, out).as_pageobject()
        content.transform(rotated_onto_page(pdfium.PdfMatrix(), angle, width, height))
        place_with_rotation(page, content, angle)
    return saved(out)


def rotated_onto_page(matrix, angle: int, width: float, height: float):
    """`matrix`, then turned `angle` degrees counter-clockwise and moved back onto the page."""
    shift = {90: (height, 0), 180: (width, height), 270: (0, width)}[angle]
    return matrix.rotate(angle, ccw=True).translate(*shift)


def place_with_rotation(page, obj, angle: int) -> None:
    page.insert_obj(obj)
    page.gen_content()
    page.set_rotation(angle)


def saved(doc) -> bytes:
    data = io.BytesIO()
    doc.save(data)
    return data.getvalue()


def ink(png: bytes, box, page) -> float:
    """The share of dark pixels of a page image inside `box` (points on `page`)."""
    import numpy as np
    from PIL import Image
    image = np.asarray(Image.open(io.BytesIO(png)).convert("L"))
    sx, sy = image.shape[1] / page.width, image.shape[0] / page.height
    x0, y0, x1, y1 = box
    return float((image[int(y0 * sy):int(y1 * sy) + 1, int(x0 * sx):int(x1 * sx) + 1] < 128).mean())


@pytest.mark.parametrize("pagesize", [(W, H), (H, W)], ids=["portrait", "landscape"])
@pytest.mark.parametrize("angle", [90, 180, 270])
def test_a_page_stored_on_its_side_reads_as_it_shows(tmp_path, pagesize, angle):
    """pdfium renders and measures a page with /Rotate as it shows, but gives its characters'
    boxes where the content stores them: read as stored, each character was a line of its own."""
    from search.original import render_page
    printed = typeset(pagesize=pagesize)
    upright = read_document(write(tmp_path, "upright.pdf", printed))
    path = write(tmp_path, "turned.pdf", stored_on_its_side(printed, angle))
    doc = read_document(path)
    assert [it.title for it in upright.items] == [BRIEFING[6][0], BRIEFING[9][0]]
    assert doc.text == upright.text
    def items(d):
        return [(it.title, it.body, it.pages) for it in d.items]
    assert items(doc) == items(upright)
    for page, want in zip(doc.pages, upright.pages, strict=True):
        assert (page.width, page.height) == pytest.approx(pagesize, abs=0.1)
        assert len(page.lines) == len(want.lines)
        for line, other in zip(page.lines, want.lines):
            assert line[:2] == other[:2] and line[2:] == pytest.approx(other[2:], abs=0.5)
    # The page image shows the page upright, and each line's region on it holds that line's ink.
    with open(path, "rb") as stream:
        shown = render_page(stream, "pdf", 1)
    with open(tmp_path / "upright.pdf", "rb") as stream:
        assert shown == render_page(stream, "pdf", 1)
    page = doc.pages[0]
    for start, end, *box in page.lines:
        assert ink(shown, box, page) > 0.05, doc.text[start:end]
    title = next(ln for ln in page.lines if doc.text[ln[0]:ln[1]] in BRIEFING[6][0])
    x0, y0, x1, y1 = title[2:]
    assert ink(shown, (x0, y1 + 0.3 * (y1 - y0), x1, y1 + 0.6 * (y1 - y0)), page) == 0  # the gap below it: paper


def test_a_pdf_named_txt_is_read_as_pdf(tmp_path):
    doc = read_document(write(tmp_path, "issue.txt", typeset()))
    assert doc.format == "pdf" and len(doc.items) == 2


def test_parse_cli_reads_a_pdf(tmp_path):
    path = write(tmp_path, "issue.pdf", typeset())
    done = subprocess.run([sys.executable, "-m", "search", "parse", str(path), "--json"],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["format"] == "pdf" and [i["title"] for i in data["items"]] == [BRIEFING[6][0], BRIEFING[9][0]]
    assert data["pages"][0]["lines"]


# ------------------------------------------------------------------------------ OCR

def recognised(text: str, paragraphs) -> float:
    """How much of the paragraphs' text OCR got right, 0–1 (a few characters are misread)."""
    import difflib
    want = squash("".join(p for p, _ in paragraphs))
    return difflib.SequenceMatcher(None, squash(text), want, autojunk=False).ratio()


SCAN = [("援疆工作简报", "masthead"), ("南通援疆工作组全力推进产业援疆", "title"),
        ("近日，南通援疆工作组召开产业援疆推进会，研究伊宁县家纺服装产业园建设。", "body")]


@needs_ocr
def test_scanned_pdf_is_read_by_ocr_and_cached(tmp_path, monkeypatch):
    path = write(tmp_path, "scan.pdf", scan_pdf(typeset(SCAN, size=16)))
    cache = tmp_path / "cache"
    told = []
    first = read_source(path, ocr.OcrOptions(cache_dir=cache, on_page=lambda done, total: told.append((done, total))))
    assert first.format == "pdf" and told == [(1, 1)]
    [page] = first.pages
    assert page.ocr and page.confidence > 60 and first.ocr_confidence == page.confidence
    assert recognised(first.text, SCAN) > 0.8
    assert not re.search(r"[\u4e00-\u9fff] [\u4e00-\u9fff]", first.text)  # no spaces inside Chinese
    assert page.lines and all(0 <= x0 < x1 <= W + 1 for _, _, x0, _, x1, _ in page.lines)

    # The same bytes again: read from the cache, tesseract is not called.
    def refuse(*args, **kwargs):
        raise AssertionError("OCR ran again")
    monkeypatch.setattr("pytesseract.image_to_data", refuse)
    again = read_source(path, ocr.OcrOptions(cache_dir=cache))
    assert again.text == first.text and again.pages == first.pages


@pytest.mark.parametrize("dpi, read_at", [(200, 200), (240, 240), (600, ocr.DPI), (100, ocr.MIN_DPI)])
def test_a_scanned_page_is_read_at_its_own_resolution(dpi, read_at):
    """Rendering a scan finer than it was scanned only blurs it (and costs time)."""
    pdf = pdfium.PdfDocument(scan_pdf(typeset(SCAN, size=16), dpi=dpi))
    try:
        assert ocr.reading_dpi(pdf[0]) == read_at
    finally:
        pdf.close()


@needs_ocr
def test_page_image_is_read_by_ocr(tmp_path):
    pdf = pdfium.PdfDocument(typeset(SCAN, size=16))
    image = pdf[0].render(scale=200 / 72, grayscale=True).to_pil()
    pdf.close()
    out = io.BytesIO()
    image.save(out, format="PNG", dpi=(200, 200))
    doc = read_document(write(tmp_path, "page.png", out.getvalue()))
    assert doc.format == "image" and doc.pages[0].ocr
    assert doc.pages[0].width == pytest.approx(W, abs=1)
    assert recognised(doc.text, SCAN) > 0.8 and doc.ocr_confidence > 60


ASKEW = [("援疆工作简报", "masthead"), ("南通援疆工作组全力推进产业援疆", "title"), (SENTENCE * 4, "body"),
         ("苏州援疆工作组召开专题会议", "title"), ("近日，苏州援疆工作组召开专题会议，部署霍尔果斯创新创业中心建设。" * 3, "body")]


def turned(pdf: bytes, angle: float, dpi: int = 200):
    """The first page of `pdf` as a scanner that took it askew saw it: turned by `angle`
    degrees counter-clockwise about its middle."""
    from PIL import Image
    doc = pdfium.PdfDocument(pdf)
    try:
        image = doc[0].render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
    finally:
        doc.close()
    return image.rotate(angle, resample=Image.Resampling.BILINEAR, fillcolor=255)


@pytest.mark.parametrize("angle", [1.2, -2.0, 3.5])
def test_the_skew_of_a_scanned_page_is_measured_from_its_image(angle):
    assert ocr.skew_angle(turned(typeset(ASKEW), angle)) == pytest.approx(angle, abs=0.1)


def test_a_straight_page_and_a_page_of_two_lines_are_not_turned():
    assert ocr.skew_angle(turned(typeset(ASKEW), 0)) == 0
    # Two short lines far apart are as sharp at any small angle: no slope to see.
    assert ocr.skew_angle(turned(typeset([("共印 150 份", "centre")], folio="第 {n} 页 共 {total} 页"), 0)) == 0


@needs_ocr
def test_a_scan_taken_askew_is_read_straight_and_marked_where_it_stands(tmp_path):
    angle = 2.0
    printed = typeset(ASKEW)
    out = io.BytesIO()
    turned(printed, angle).save(out, format="PDF", resolution=200)
    scan = read_source(write(tmp_path, "askew.pdf", out.getvalue()))
    assert recognised(scan.text, ASKEW) > 0.95
    # Paragraph by paragraph in reading order, each joined from its lines.
    want = [squash(text) for text, _ in ASKEW]
    got = [squash(p) for p in scan.text.split("\n\n")]
    assert len(got) == len(want)
    import difflib
    assert all(difflib.SequenceMatcher(None, g, w, autojunk=False).ratio() > 0.9 for g, w in zip(got, want))

    # Each line's region is where the scan shows it: its middle, turned back by the
    # angle, is the middle of the same line on the printed page.
    text_layer = read_source(write(tmp_path, "printed.pdf", printed))
    printed_lines = [(text_layer.text[a:b], (x0 + x1) / 2, (y0 + y1) / 2)
                     for a, b, x0, y0, x1, y1 in text_layer.pages[0].lines]
    cos, sin = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    [page] = scan.pages
    assert len(page.lines) == len(printed_lines)
    for start, end, x0, y0, x1, y1 in page.lines:
        assert 0 <= x0 < x1 <= W and 0 <= y0 < y1 <= H
        dx, dy = (x0 + x1) / 2 - W / 2, (y0 + y1) / 2 - H / 2
        x, y = W / 2 + dx * cos - dy * sin, H / 2 + dx * sin + dy * cos
        text, px, py = min(printed_lines, key=lambda ln: math.hypot(ln[1] - x, ln[2] - y))
        assert math.hypot(px - x, py - y) < 4  # points: a third of a character
        assert difflib.SequenceMatcher(None, squash(scan.text[start:end]), squash(text)).ratio() > 0.8


def scanned_on_its_side(printed: bytes, angle: int, dpi: int, pixels_turned: bool) -> bytes:
    """A scan of the first page of `printed` stored on its side with a /Rotate of `angle`, so
    that it shows upright: the image's pixels on their side, or upright pixels drawn turned."""
    doc = pdfium.PdfDocument(printed)
    image = doc[0].render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
    doc.close()
    width, height = (side * 72 / dpi for side in image.size)
    out = pdfium.PdfDocument.new()
    page = out.new_page(height, width)
    drawn = pdfium.PdfImage.new(out)
    if pixels_turned:
        drawn.set_bitmap(pdfium.PdfBitmap.from_pil(image.rotate(angle, expand=True)))
        drawn.set_matrix(pdfium.PdfMatrix().scale(height, width))
    else:
        drawn.set_bitmap(pdfium.PdfBitmap.from_pil(image))
        drawn.set_matrix(rotated_onto_page(pdfium.PdfMatrix().scale(width, height), angle, width, height))
    place_with_rotation(page, drawn, angle)
    return saved(out)


@pytest.mark.parametrize("pixels_turned", [True, False], ids=["pixels-turned", "drawn-turned"])
@pytest.mark.parametrize("angle", [90, 270])
def test_a_scan_on_its_side_is_read_at_its_own_resolution(angle, pixels_turned):
    pdf = pdfium.PdfDocument(scanned_on_its_side(typeset(SCAN, size=16), angle, 240, pixels_turned))
    try:
        assert ocr.reading_dpi(pdf[0]) == 240
    finally:
        pdf.close()


@needs_ocr
@pytest.mark.parametrize("pixels_turned", [True, False], ids=["pixels-turned", "drawn-turned"])
@pytest.mark.parametrize("angle", [90, 270])
def test_a_page_scanned_on_its_side_is_read_upright(tmp_path, angle, pixels_turned):
    """pdfium renders a page with /Rotate as it shows: the page is read upright, and its
    lines are marked where they show."""
    import difflib
    printed = typeset(SCAN, size=16)
    scan = read_source(write(tmp_path, "sideways.pdf", scanned_on_its_side(printed, angle, 200, pixels_turned)))
    [page] = scan.pages
    assert page.ocr and (page.width, page.height) == pytest.approx((W, H), abs=1)
    assert recognised(scan.text, SCAN) > 0.9
    text_layer = read_source(write(tmp_path, "printed.pdf", printed))
    printed_lines = text_layer.pages[0].lines
    assert len(page.lines) == len(printed_lines)
    for (start, end, *box), (a, b, *printed_box) in zip(page.lines, printed_lines):
        assert difflib.SequenceMatcher(None, scan.text[start:end], text_layer.text[a:b]).ratio() > 0.8
        middles = [((x0 + x1) / 2, (y0 + y1) / 2) for x0, y0, x1, y1 in (box, printed_box)]
        assert math.dist(*middles) < 8  # points: half a character (OCR boxes hug the ink)


def test_scan_without_tesseract_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setattr(ocr, "missing", lambda: f"tesseract is not installed ({ocr.INSTALL})")
    with pytest.raises(SourceError, match="apt-get install tesseract-ocr tesseract-ocr-chi-sim"):
        read_source(write(tmp_path, "scan.pdf", scan_pdf(typeset(SCAN), dpi=50)))


# ---------------------------------------------------------------------------- Word

def word_file(tmp_path, name="issue.docx"):
    import datetime

    import docx
    document = docx.Document()
    section = document.sections[0]
    section.header.paragraphs[0].text = "援疆工作简报（内部资料）"
    section.footer.paragraphs[0].text = "— 1 —"
    for text in ("援疆工作简报", "2017 年第 9 期（总第 9 期）", "江苏省对口支援新疆伊犁州前方指挥部\t\t2017年4月11日",
                 "【本期要目】", "★ 扬州援疆工作组开展结对认亲活动"):
        document.add_paragraph(text)
    document.add_heading("扬州援疆工作组开展结对认亲活动", level=1)
    document.add_paragraph("近日，扬州援疆工作组深入新源县开展结对认亲活动。")
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "结对户数 120 户"
    table.rows[0].cells[1].text = "慰问金 3 万元"
    document.add_paragraph("活动受到各族群众欢迎。")
    document.core_properties.created = datetime.datetime(2017, 4, 11)
    path = tmp_path / name
    document.save(path)
    return path


def test_docx_body_in_order_without_headers_and_footers(tmp_path):
    doc = read_document(word_file(tmp_path))
    assert doc.format == "docx" and doc.pages == []
    assert (doc.year, doc.issue_no, doc.date, doc.publisher) == (2017, 9, "2017-04-11", "江苏省对口支援新疆伊犁州前方指挥部")
    [item] = doc.items
    assert item.title == "扬州援疆工作组开展结对认亲活动"
    assert squash(item.body) == squash("近日，扬州援疆工作组深入新源县开展结对认亲活动。结对户数 120 户"
                                       "慰问金 3 万元活动受到各族群众欢迎。")
    assert "内部资料" not in doc.text and "— 1 —" not in doc.text


def test_docx_core_properties_date_a_text_without_one(tmp_path):
    import datetime

    import docx
    document = docx.Document()
    document.add_paragraph("扬州援疆工作组开展结对认亲活动")
    document.add_paragraph("扬州援疆工作组深入新源县开展结对认亲活动，走访慰问各族群众。")
    document.core_properties.created = datetime.datetime(2023, 5, 6, 8, 0)
    document.save(tmp_path / "story.docx")
    doc = read_document(tmp_path / "story.docx")
    assert doc.doc_type == "article" and doc.date == "2023-05-06"


# ------------------------------------------------------------------------- web pages

PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<title>南通援疆工作组全力推进产业援疆_南通新闻网</title>
<meta property="article:published_time" content="2024-06-12T09:00:00+08:00"></head><body>
<header><a href="/">首页</a> | <a href="/news">要闻</a> | <a href="/yj">援疆</a></header>
<nav class="crumbs">当前位置：<a href="/">首页</a> &gt; 援疆工作 &gt; 正文</nav>
<article><h1>南通援疆工作组全力推进产业援疆</h1>
<p>近日，南通援疆工作组召开伊宁县轻纺产业区工作推进会，对家纺服装产业园建设进行专题会办推进。</p>
<p>工作组要求抢抓黄金施工期，确保十月底前完成标准化厂房和基础设施建设，做好签约企业落地工作。</p>
</article>
<aside><h3>相关阅读</h3><ul><li><a href="/a/1">我市召开对口支援工作会议</a></li></ul></aside>
<footer>版权所有 © 2024 南通新闻网 · 备案号 0000000</footer><script>var x = 1;</script></body></html>"""


def test_html_main_text_without_site_chrome(tmp_path):
    doc = read_document(write(tmp_path, "story.html", PAGE.encode("utf-8")))
    assert doc.format == "html" and doc.date == "2024-06-12"
    [item] = doc.items
    assert item.title == "南通援疆工作组全力推进产业援疆"
    assert item.body.startswith("近日，南通援疆工作组") and item.body.endswith("做好签约企业落地工作。")
    for chrome in ("首页", "当前位置", "相关阅读", "版权所有", "var x"):
        assert chrome not in doc.text


def test_html_in_gbk_saved_as_htm(tmp_path):
    doc = read_document(write(tmp_path, "story.htm", PAGE.replace("utf-8", "gbk").replace("©", "(C)").encode("gbk")))
    assert doc.items[0].title == "南通援疆工作组全力推进产业援疆" and doc.encoding == "gb18030"


# ------------------------------------------------------------------------ bad input

def encrypted_pdf() -> bytes:
    out = io.BytesIO()
    pdf = canvas.Canvas(out, invariant=1, encrypt="secret")
    pdf.setFont(FONT, 12)
    pdf.drawString(72, 700, "援疆工作简报")
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def many_pages(count: int) -> bytes:
    out = io.BytesIO()
    pdf = canvas.Canvas(out, invariant=1)
    for n in range(count):
        pdf.drawString(72, 700, f"page {n}")
        pdf.showPage()
    pdf.save()
    return out.getvalue()


def zip_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", b"\0" * (40 * 2**20))
    return out.getvalue()


def small_image() -> bytes:
    from PIL import Image
    out = io.BytesIO()
    Image.new("L", (64, 64), 255).save(out, format="PNG")
    return out.getvalue()


def test_bad_files_are_skipped_with_a_reason_and_the_rest_indexed(tmp_path, monkeypatch):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    write(corpus, "good.pdf", typeset())
    word_file(corpus, "good.docx")
    write(corpus, "locked.pdf", encrypted_pdf())
    write(corpus, "corrupt.pdf", typeset()[:3000])
    write(corpus, "volume.pdf", many_pages(500))
    write(corpus, "bomb.docx", zip_bomb())
    write(corpus, "empty.html", b"<html><body><nav><a href='/'>home</a></nav></body></html>")
    write(corpus, "icon.png", small_image())
    write(corpus, "scan.pdf", scan_pdf(typeset(SCAN), dpi=50))
    write(corpus, "story.txt", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    monkeypatch.setattr(ocr, "missing", lambda: f"tesseract is not installed ({ocr.INSTALL})")
    summary = build_index(corpus, tmp_path / "index", workers=1)
    failed = dict(summary.failed)
    assert set(failed) == {"locked.pdf", "corrupt.pdf", "volume.pdf", "bomb.docx", "empty.html", "icon.png",
                           "scan.pdf", "story.txt"}
    assert "encrypted" in failed["locked.pdf"]
    assert "corrupt" in failed["corrupt.pdf"]
    assert "500 pages" in failed["volume.pdf"]
    assert "zip bomb" in failed["bomb.docx"]
    assert "no main text" in failed["empty.html"]
    assert "too small to be a scanned page" in failed["icon.png"]
    assert "tesseract-ocr-chi-sim" in failed["scan.pdf"]
    assert "Word .doc" in failed["story.txt"]
    assert summary.files_parsed == 2
    lines = summary.lines()
    assert all(f"skipped {name}: {reason}" in lines for name, reason in failed.items())
    assert all("\n" not in reason and "Traceback" not in reason for reason in failed.values())


def test_old_word_without_a_reader_says_convert_it(tmp_path, monkeypatch):
    monkeypatch.setattr("shutil.which", lambda name: None)
    with pytest.raises(SourceError, match="convert it to .docx"):
        read_source(write(tmp_path, "old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600))


# ------------------------------------------------------------------ OCR line repairs

def words_of(line: str, y: float, conf: float = 95.0, x: float = 72.0, row: int = 1, size: float = 10.0,
             doubtful: str = "", slope: float = 0.0):
    """tesseract-like words for `line`: a word a Han character or a run of digits and
    letters, `size` a character; words holding a character of `doubtful` get a low
    confidence. A space widens the gap before the next word."""
    out, gap = [], 0.0
    for token in re.findall(r"[0-9A-Za-z]+|\S| ", line):
        if token == " ":
            gap += size * 0.8
            continue
        x0 = x + gap
        conf_word = 20.0 if set(token) & set(doubtful) else conf
        dy = x0 * slope
        out.append((token, conf_word, x0, y + dy, x0 + size * len(token) - size * 0.1, y + dy + size, 1, 1, row))
        x += size * len(token)
    return out


def test_ocr_lines_mend_what_tesseract_misreads():
    words = (words_of("友 江苏援疆工作组召开会议", 100, row=1, doubtful="友")
             + words_of("2017年第9期“总第9期)", 120, row=2)
             + words_of("发展”大跨步”活动", 140, row=3)
             + words_of("一一伊犁州卫生援疆培训班", 160, row=4)
             + words_of("武进援绪工作组深入调研", 180, row=5, doubtful="绪"))
    lines, confidence = ocr.page_lines(words)
    assert [ln.text for ln in lines] == ["• 江苏援疆工作组召开会议", "2017年第9期（总第9期）", "发展“大跨步”活动",
                                         "——伊犁州卫生援疆培训班", "武进援疆工作组深入调研"]
    assert 20 < confidence < 95


def test_a_dash_read_as_one_one_is_a_dash_again_where_the_page_says_so():
    full = "南通援疆工作组深入伊宁县开展调研围绕产业援疆推进各项"  # 26 characters: the column's measure
    rows = [  # (text, left, size)
        ("晒出首年成绩单一一", 132, 12),  # a title ending short: nothing goes on from it
        (full[:20] + "成绩单一一", 72, 12),  # a full line, and the centred subtitle below is apart
        ("紧握接力棒跑出新气象", 150, 10),
        ("南通援疆工作组一一，" + full[:16], 72, 10),  # a mark follows
        ("伊犁州卫生援疆“一一”活动回顾", 72, 10),
        ("产业援疆重点项目一一伊宁县家纺服装产业园迎来第一批新员工", 72, 10),  # a name follows
        ("• 一一伊犁州卫生援疆医疗人才培训班顺利开班", 72, 10),
        (full[:24] + "一一", 72, 10),  # the line goes on in the next: 一一对应
        ("对应落实。各项任务逐项一一列举，分工一一对应，逐项一一落实。", 72, 10),
        (full[:24] + "一一", 72, 10),  # 一一 goes on with a verb
        ("核实到位。二〇一一。", 72, 10),
    ]
    words, y = [], 80.0
    for n, (text, x, size) in enumerate(rows, 1):
        words += words_of(text, y, x=x, row=n, size=size)
        y += 2 * size
    lines, _ = ocr.page_lines(words)
    assert [ln.text for ln in lines] == [
        "晒出首年成绩单——", full[:20] + "成绩单——", "紧握接力棒跑出新气象", "南通援疆工作组——，" + full[:16],
        "伊犁州卫生援疆“——”活动回顾", "产业援疆重点项目——伊宁县家纺服装产业园迎来第一批新员工",
        "• ——伊犁州卫生援疆医疗人才培训班顺利开班", full[:24] + "一一",
        "对应落实。各项任务逐项一一列举，分工一一对应，逐项一一落实。", full[:24] + "一一", "核实到位。二〇一一。"]


def test_a_mark_misread_for_a_character_of_a_long_word_is_put_right():
    def doubtful_mark(x, y, row):  # not doubtful enough to be dropped as a speck
        return [(";", 69.0, x, y, x + 3, y + 10, 1, 1, row)]
    words = (words_of("【本期动", 100, row=1) + doubtful_mark(112, 100, 1)
             + words_of("推进各项工作", 120, row=2) + doubtful_mark(132, 120, 2))
    assert [ln.text for ln in ocr.page_lines(words)[0]] == ["【本期动态", "推进各项工作；"]


def test_a_guess_squeezed_into_a_structure_word_and_a_speck_read_as_letters_are_dropped():
    words = (words_of("【本期要有目】", 100, row=1, doubtful="有")
             + words_of("[Ni", 125, row=2, size=4, x=120)  # the foot of a bracket, read as letters
             + words_of("要有目标", 140, row=3))  # sure of itself: text
    assert [ln.text for ln in ocr.page_lines(words)[0]] == ["【本期要目】", "要有目标"]


def test_a_line_tesseract_split_in_two_is_one_line_again():
    left = words_of("苏州援疆工作组召开", 100, row=1)
    right = words_of("“两学一做”专题民主生活会", 100, row=2, x=72 + 9 * 10 + 1)
    # The masthead's publisher and date, three characters apart, stay two parts of the row.
    masthead = words_of("江苏省对口支援新疆伊犁州前方指挥部", 130, row=3) + words_of("2017年6月19日", 130, row=4, x=72 + 200)
    assert [ln.text for ln in ocr.page_lines(right + left + masthead)[0]] == [
        "苏州援疆工作组召开“两学一做”专题民主生活会", "江苏省对口支援新疆伊犁州前方指挥部", "2017年6月19日"]


def test_ocr_keeps_real_text_that_only_looks_doubtful():
    words = words_of("工作主题教育活动", 100, doubtful="主") + words_of("8 月 2 日，为期四天", 120, row=2, doubtful="8")
    assert [ln.text for ln in ocr.page_lines(words)[0]] == ["工作主题教育活动", "8月2日，为期四天"]


def test_a_skewed_scan_lines_up_again():
    text = "南通援疆工作组全力推进产业援疆建设"
    words = [w for row in range(8) for w in words_of(text, 100 + 20 * row, row=row, x=72 - (100 + 20 * row) * 0.02,
                                                       slope=0.02)]
    lines, _ = ocr.page_lines(words)
    assert len(lines) == 8 and max(ln.x0 for ln in lines) - min(ln.x0 for ln in lines) < 1.0
    # … and each keeps its box where the page shows it, for marking the item's region.
    for line, row in zip(lines, range(8)):
        shown = [w for w in words if w[8] == row]
        assert line.page_box == (min(w[2] for w in shown), min(w[3] for w in shown),
                                 max(w[4] for w in shown), max(w[5] for w in shown))


def test_a_doubtful_character_set_apart_is_a_bullet_only_where_a_list_entry_can_start():
    full = "南通援疆工作组深入伊宁县开展调研围绕产业援疆和民生改善推进各项工作"
    words = (words_of(full, 100, row=1)
             + words_of("克 镇下莫家庄子村开展调研", 118, row=2, doubtful="克")  # the paragraph goes on
             + words_of("友 " + full[:-2], 160, row=3, doubtful="友")  # a list entry filling the line …
             + words_of("女 武进工作组召开专题会议", 178, row=4, doubtful="女")  # … and the next entry
             # … and one whose bullet tesseract read as a character of its first word
             + [("文江", 30.0, 72.0, 196.0, 99.0, 206.0, 1, 1, 5)] + words_of("阴工作组开展调研", 196, row=5, x=100))
    assert [ln.text for ln in ocr.page_lines(words)[0]] == [
        full, "克镇下莫家庄子村开展调研", "• " + full[:-2], "• 武进工作组召开专题会议", "• 江阴工作组开展调研"]


def test_a_one_read_as_a_mark_is_a_digit_where_a_date_or_issue_number_needs_one():
    words = (words_of("2014年第]期“总第]期)", 100, row=1)
             + words_of("2014年", 120, row=2) + words_of("|月3日", 120, row=2, x=127)
             + words_of("总第", 140, row=3) + [("1]", 14.0, 92.0, 140.0, 101.0, 150.0, 1, 1, 3)]  # one 1, read twice
             + words_of("期", 140, row=3, x=101)
             + [("20]4", 90.0, 72.0, 160.0, 92.0, 170.0, 1, 1, 4)] + words_of("年4月1I日", 160, row=4, x=92)
             # … but not in a reference, a Roman numeral, a table or a Latin word
             + words_of("见文献", 180, row=5) + [("[1]2018", 95.0, 102.0, 180.0, 132.0, 190.0, 1, 1, 5)]
             + words_of("年报告第II期，表|月份，Bill年会", 180, row=5, x=132))
    assert [ln.text for ln in ocr.page_lines(words)[0]] == [
        "2014年第1期（总第1期）", "2014年1月3日", "总第1期", "2014年4月11日", "见文献[1]2018年报告第II期，表|月份，Bill年会"]


def test_a_star_read_as_a_dash_and_a_character_is_a_bullet():
    def dash(y):  # the star's left arm: a flat stroke level with the characters' middle
        return ("-", 92.0, 72.0, y + 5.0, 75.0, y + 5.7, 1, 1, int(y))

    words = ([dash(100), ("交", 0.0, 79.0, 100.0, 90.0, 110.0, 1, 1, 100)]  # two words …
             + words_of("江宁援疆工作组召开会议", 100, row=100, x=98)
             + [("-让", 30.0, 72.0, 120.0, 90.0, 130.0, 1, 1, 120)]  # … or one
             + words_of("泰州工作组发挥援疆优势", 120, row=120, x=96)
             # … also where the character's box runs into the next word's
             + [dash(130), ("交", 0.0, 79.0, 130.0, 101.0, 140.0, 1, 1, 130), ("“", 0.0, 93.0, 129.0, 108.0, 147.0, 1, 1, 130)]
             + words_of("丝路信使”自行车赛", 130, row=130, x=108)
             # an opening quote stands above the middle: the title starts with it
             + [("“", 0.0, 72.0, 140.0, 76.0, 143.0, 1, 1, 140), ("丝", 89.0, 82.0, 140.0, 91.0, 150.0, 1, 1, 140)]
             + words_of("路信使”自行车赛", 140, row=140, x=96))
    assert [ln.text for ln in ocr.page_lines(words)[0]] == [
        "• 江宁援疆工作组召开会议", "• 泰州工作组发挥援疆优势", "• “丝路信使”自行车赛", "“丝路信使”自行车赛"]


def test_a_bullet_is_told_by_a_characters_height_where_some_boxes_are_as_tall_as_the_line():
    title = [(ch, 95.0, 96.0 + 10 * i, 96.0 if i % 3 else 100.0, 105.0 + 10 * i, 114.0 if i % 3 else 110.0, 1, 1, 1)
             for i, ch in enumerate("徐州援疆工作组开展调研")]
    words = [("友", 20.0, 72.0, 100.0, 82.0, 110.0, 1, 1, 1)] + title
    assert [ln.text for ln in ocr.page_lines(words)[0]] == ["• 徐州援疆工作组开展调研"]


def test_a_scanned_heading_after_body_text_starts_its_own_paragraph():
    """A title 30 % larger than the body (as OCR measures its lines) after a body line
    that filled the column: no wrapped title, no paragraph going on."""
    from search.ingest.extract import TextBuilder
    from search.ingest.layout import PageLines, Paragrapher
    body = "南通援疆工作组深入伊宁县开展调研围绕产业援疆和民生改善推进各项工作"
    words = [w for row in range(8) for w in words_of(body[row % 3:], 100 + 18 * row, row=row, x=72)]
    words += words_of("苏州援疆工作组召开专题会议", 250, row=8, size=13, x=72 + (len(body) * 10 - 13 * 13) / 2)
    words += words_of(body, 275, row=9, x=92)
    lines, _ = ocr.page_lines(words)
    builder = TextBuilder()
    Paragrapher(builder, size_tolerance=0.25).write([PageLines(1, W, H, lines, ocr=True)])
    assert builder.text().strip().split("\n\n")[1:] == ["苏州援疆工作组召开专题会议", body]


def test_docx_bulleted_list_keeps_its_bullets(tmp_path):
    import docx
    document = docx.Document()
    for text in ("援疆工作简报", "2017 年第 9 期（总第 9 期）", "江苏省对口支援新疆伊犁州前方指挥部", "2017年4月11日",
                 "【本期要目】"):
        document.add_paragraph(text)
    for title in ("扬州援疆工作组开展结对认亲活动", "南通援疆工作组推进产业援疆"):
        document.add_paragraph(title, style="List Bullet")  # Word draws the bullet, the text has none
    for title, body in (("扬州援疆工作组开展结对认亲活动", "近日，扬州援疆工作组深入新源县开展结对认亲活动。"),
                        ("南通援疆工作组推进产业援疆", "南通援疆工作组召开伊宁县产业园建设推进会。")):
        document.add_paragraph(title)
        document.add_paragraph(body)
    document.save(tmp_path / "issue.docx")
    doc = read_document(tmp_path / "issue.docx")
    assert "• 扬州援疆工作组开展结对认亲活动" in doc.text
    assert [(it.title, it.body) for it in doc.items] == [
        ("扬州援疆工作组开展结对认亲活动", "近日，扬州援疆工作组深入新源县开展结对认亲活动。"),
        ("南通援疆工作组推进产业援疆", "南通援疆工作组召开伊宁县产业园建设推进会。")]


def test_a_saved_pages_asset_folder_is_not_indexed(tmp_path):
    from search.index.build import find_sources
    corpus = tmp_path / "corpus"
    (corpus / "story_files").mkdir(parents=True)
    (corpus / "story.html").write_text(PAGE, encoding="utf-8")
    (corpus / "story_files" / "frame.html").write_text("<html><body>广告</body></html>", encoding="utf-8")
    (corpus / "other_files").mkdir()  # no page of that name: an ordinary folder
    (corpus / "other_files" / "issue.txt").write_text("援疆工作简报\n", encoding="utf-8")
    found, _ = find_sources(corpus)
    assert sorted(found) == ["other_files/issue.txt", "story.html"]


def test_placeholder_titles_and_authors_are_not_metadata(tmp_path):
    extract = read_source(write(tmp_path, "issue.pdf", typeset()))  # reportlab writes untitled / anonymous
    assert "title" not in extract.meta and "author" not in extract.meta
