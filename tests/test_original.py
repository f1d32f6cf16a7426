"""Items on their original's pages (search.pages) and the originals themselves
(search.original): page ranges, marked regions, OCR confidence, hash checks, page images
and their cache."""
from __future__ import annotations

import io
import json
import os
from types import SimpleNamespace

import pytest
from PIL import Image

from benchmarks.typeset import scan_pdf, typeset_pdf
from search.errors import NotFound
from search.original import Originals, OriginalChanged, OriginalRemoved, content_type, download_name
from search.pages import line_regions, ocr_confidence, page_range, spanned
from search.store import CACHE, MANIFEST, page_images_dir

BRIEFING = "\n\n".join(["援疆工作简报", "2030 年第 1 期（总第 1 期）", "江苏省对口支援新疆伊犁州前方指挥部",
                        "2030 年 1 月 2 日"] + ["南通援疆工作组在伊宁县召开会议，研究部署产业援疆工作。" * 6] * 40)


# -- pages of a span -------------------------------------------------------------------------

BOUNDS = [(0, 100), (102, 200), (202, 300)]  # three pages, joined by a blank line


@pytest.mark.parametrize("start, end, pages", [
    (0, 50, [0]), (90, 150, [0, 1]), (102, 200, [1]), (50, 250, [0, 1, 2]),
    (100, 102, [0]),  # only the blank line between two pages: the page before
    (299, 300, [2]), (150, 150, [1]),  # an empty span still lies somewhere
])
def test_spanned_pages(start, end, pages):
    assert spanned(BOUNDS, start, end) == pages


def test_page_range_is_one_based_and_none_without_pages():
    assert page_range(BOUNDS, 90, 250) == (1, 3)
    assert page_range([], 0, 10) is None


def test_line_regions_cut_lines_the_span_covers_in_part():
    lines = [(0, 10, 100.0, 50.0, 200.0, 62.0), (10, 20, 100.0, 70.0, 200.0, 82.0),
             (20, 30, 100.0, 90.0, 150.0, 102.0)]
    # from the middle of line 1 to the middle of line 3
    assert line_regions(lines, 5, 25) == [(150.0, 50.0, 200.0, 62.0), (100.0, 70.0, 200.0, 82.0),
                                          (100.0, 90.0, 125.0, 102.0)]
    assert line_regions(lines, 10, 20) == [(100.0, 70.0, 200.0, 82.0)]  # exactly one line
    assert line_regions(lines, 30, 40) == []  # after the page's text


def test_ocr_confidence_weighs_the_span_text_of_each_page():
    pages = [SimpleNamespace(start=0, end=100, ocr=True, confidence=90.0),
             SimpleNamespace(start=100, end=200, ocr=True, confidence=60.0),
             SimpleNamespace(start=200, end=300, ocr=False, confidence=None),
             SimpleNamespace(start=300, end=400, ocr=True, confidence=None)]  # nothing recognised
    assert ocr_confidence(pages, 50, 200) == 70.0  # 50 characters at 90, 100 at 60
    assert ocr_confidence(pages, 200, 300) is None  # text layer: no OCR
    assert ocr_confidence(pages, 250, 300) is None
    assert ocr_confidence(pages, 300, 400) == 0.0  # OCR'd, and nothing to trust


# -- originals ---------------------------------------------------------------------------------

@pytest.fixture
def corpus(tmp_path):
    """A corpus folder with one PDF and an index folder whose manifest records it."""
    folder, index = tmp_path / "corpus", tmp_path / "index"
    (folder / "2030").mkdir(parents=True)
    index.mkdir()
    pdf = typeset_pdf(BRIEFING)
    (folder / "2030" / "简报 1.pdf").write_bytes(pdf)
    (index / MANIFEST).write_text(json.dumps({"corpus": str(folder)}), encoding="utf-8")
    return folder, index, pdf


def sha(data: bytes) -> str:
    import hashlib
    return hashlib.sha256(data).hexdigest()


def test_open_checks_the_indexed_hash(corpus):
    folder, index, pdf = corpus
    originals = Originals(index)
    opened = originals.open("2030/简报 1.pdf", sha(pdf), "pdf")
    with opened.stream:
        assert opened.stream.read() == pdf
    assert (opened.name, opened.content_type, opened.inline) == ("简报 1.pdf", "application/pdf", True)
    with pytest.raises(OriginalChanged, match="简报 1.pdf"):
        originals.open("2030/简报 1.pdf", sha(pdf + b"x"), "pdf")
    (folder / "2030" / "简报 1.pdf").write_bytes(pdf + b"\n")  # changed on disk since indexing
    with pytest.raises(OriginalChanged):
        originals.open("2030/简报 1.pdf", sha(pdf), "pdf")
    (folder / "2030" / "简报 1.pdf").unlink()
    with pytest.raises(OriginalRemoved, match="moved or removed"):
        originals.open("2030/简报 1.pdf", sha(pdf), "pdf")


@pytest.mark.parametrize("source", ["../secret.pdf", "/etc/passwd", "2030/../../secret.pdf", ""])
def test_a_source_that_leaves_the_corpus_is_refused(corpus, source, tmp_path):
    _, index, _ = corpus
    secret = tmp_path / "secret.pdf"
    secret.write_bytes(b"%PDF-1.4 secret")
    with pytest.raises(OriginalRemoved):
        Originals(index).open(source, sha(secret.read_bytes()), "pdf")


def test_an_index_without_a_recorded_corpus_says_so(tmp_path):
    with pytest.raises(OriginalRemoved, match="run the indexer again"):
        Originals(tmp_path).open("a.pdf", "0" * 64, "pdf")


def test_content_types_follow_the_format_found():
    assert content_type("a/b.PDF", "pdf") == ("application/pdf", True)
    assert content_type("scan.txt", "pdf") == ("application/pdf", True)  # a PDF under a .txt name
    assert content_type("a.txt", "text", "gb18030") == ("text/plain; charset=gb18030", True)
    assert content_type("a.md", "text", "utf-8-sig") == ("text/plain; charset=utf-8", True)
    assert content_type("a.html", "html", "utf-8")[1] is False  # markup is downloaded, never shown from our origin
    assert content_type("a.docx", "docx")[1] is False
    assert content_type("p.JPG", "image") == ("image/jpeg", True)
    assert content_type("p.tif", "image") == ("image/tiff", False)
    assert content_type("a.x", "other") == ("application/octet-stream", False)
    assert download_name('2030/a"b;c<d>.pdf') == "a_b_c_d_.pdf"


def test_page_image_is_rendered_once_and_kept_by_content_hash(corpus):
    folder, index, pdf = corpus
    path = folder / "2030" / "简报 1.pdf"
    originals = Originals(index)
    png = originals.page_image("2030/简报 1.pdf", sha(pdf), "pdf", 2)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.width == 1240 and 1.3 < image.height / image.width < 1.5
    assert image.convert("L").getextrema() == (0, 255)  # ink on white paper
    cached = list(page_images_dir(index, "2030/简报 1.pdf").glob("*.png"))
    assert [p.name for p in cached] == [f"{sha(pdf)[:16]}-2.png"]

    # kept: served from the cache even with the file gone
    path.unlink()
    assert originals.page_image("2030/简报 1.pdf", sha(pdf), "pdf", 2) == png
    with pytest.raises(OriginalRemoved):
        originals.page_image("2030/简报 1.pdf", sha(pdf), "pdf", 1)

    # the file changes and is indexed again: a new image, the old one dropped
    changed = typeset_pdf(BRIEFING.replace("南通", "苏州"))
    path.write_bytes(changed)
    assert originals.page_image("2030/简报 1.pdf", sha(changed), "pdf", 2) != png
    cached = list(page_images_dir(index, "2030/简报 1.pdf").glob("*.png"))
    assert [p.name for p in cached] == [f"{sha(changed)[:16]}-2.png"]

    with pytest.raises(NotFound):
        originals.page_image("2030/简报 1.pdf", sha(changed), "pdf", 99)
    with pytest.raises(NotFound):
        originals.page_image("2030/简报 1.pdf", sha(changed), "docx", 1)


def test_page_image_of_a_scan_and_of_a_read_only_index(corpus):
    folder, index, pdf = corpus
    scan = scan_pdf(typeset_pdf(BRIEFING[:200]))
    (folder / "scan.pdf").write_bytes(scan)
    (folder / "page.png").write_bytes(_png(800, 1100))
    os.chmod(index, 0o555)
    try:
        originals = Originals(index)
        png = originals.page_image("scan.pdf", sha(scan), "pdf", 1)
        assert Image.open(io.BytesIO(png)).width == 1240
        image = Image.open(io.BytesIO(originals.page_image("page.png", sha((folder / "page.png").read_bytes()),
                                                           "image", 1)))
        assert image.size == (800, 1100)
        assert not (index / CACHE).exists() or os.geteuid() == 0  # root writes anyway
    finally:
        os.chmod(index, 0o755)


def _png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("L", (width, height), 255).save(out, format="PNG")
    return out.getvalue()


def test_pages_pack_and_unpack_as_they_were():
    from dataclasses import asdict

    from search.model import Page
    from search.store import pack_pages, unpack_pages

    pages = [asdict(Page(number=1, width=595.3, height=841.9, start=0, end=120, label="1",
                         lines=[(0, 40, 72.0, 80.5, 523.3, 92.5), (40, 120, 72.0, 100.1, 500.0, 112.1)])),
             asdict(Page(number=2, width=595.3, height=841.9, start=122, end=122, ocr=True, confidence=61.5))]
    unpacked = unpack_pages(pack_pages(pages))
    assert unpacked == [p | {"lines": [list(line) for line in p["lines"]]} for p in pages]
    assert unpack_pages(None) == [] and unpack_pages(pack_pages([])) == []
