"""The original page, in context, through Flask's test client: an index of a text-layer
PDF, a scan, a web page and a text file; the item page with its page image and marked
region, the JSON, the original file and its page images, and what happens when the
file changes or goes, or an address is not one of ours."""
from __future__ import annotations

import io
import re
import shutil
from urllib.parse import quote

import pytest
from PIL import Image

from benchmarks.typeset import typeset_pdf
from search.index import build_index
from search.searcher import Searcher
from search.store import file_key, page_images_dir
from webui import create_app

from support import IMAGE, NEWS, PDF, PDF_ARTICLES, SCAN, briefing, parse_html


@pytest.fixture(scope="module")
def originals(paged_index):
    """The paged corpus's index, its searcher, and its items by source in reading order."""
    searcher = Searcher(paged_index["index"])
    items = {}
    for hit in searcher.search("", limit=100)["hits"]:
        items.setdefault(hit["source"], []).append(hit)
    for hits in items.values():
        hits.sort(key=lambda h: h["ordinal"])
    return paged_index | {"items": items, "searcher": searcher}


@pytest.fixture
def client(originals):
    return create_app({"INDEX_DIR": str(originals["index"]), "TESTING": True}).test_client()




def item_of(originals, source: str, title: str) -> dict:
    return next(h for h in originals["items"][source] if h["title"] == title)


# -- the item page ----------------------------------------------------------------------------

def test_items_know_their_pages(originals):
    pdf_items = originals["items"][PDF]
    assert [h["title"] for h in pdf_items] == [t for t, _ in PDF_ARTICLES]
    pages = [(h["pages"]["first"], h["pages"]["last"]) for h in pdf_items]
    assert pages[0][0] == 1 and pages == sorted(pages)
    assert pages[1][1] > pages[1][0]  # the long article runs over a page break
    assert all(h["ocr_confidence"] is None for h in pdf_items)
    assert all(h["pages"] is None for h in originals["items"]["note.txt"])


def test_item_page_shows_its_page_with_the_region_marked(client, originals):
    hit = item_of(originals, PDF, PDF_ARTICLES[1][0])
    first, last = hit["pages"]["first"], hit["pages"]["last"]
    r = client.get(f"/item/{hit['id']}")
    assert r.status_code == 200
    doc = parse_html(r.data)
    section = doc.find("section", id="original")
    assert f"原件第 {first}–{last} 页" in section.find("h2").text()
    figures = section.find_all("figure", cls="page-view")
    assert [int(f.attrs["data-page"]) for f in figures] == list(range(first, last + 1))
    key = file_key(PDF)
    for figure in figures:
        n = int(figure.attrs["data-page"])
        img = figure.find("img", cls="page-image")
        assert img.attrs["src"].startswith(f"/file/{key}/page/{n}.png?v=")
        assert figure.find("a", cls="page-frame").attrs["href"] == f"/file/{key}#page={n}"
        svg = figure.find("svg", cls="page-marks")
        width, height = (float(v) for v in svg.attrs["viewbox"].split()[2:])
        rects = svg.find_all("rect", cls="region-line")
        assert rects, f"no region on page {n}"
        for rect in rects:  # inside the page
            x, y, w, h = (float(rect.attrs[a]) for a in ("x", "y", "width", "height"))
            assert -2 <= x and x + w <= width + 2 and -2 <= y and y + h <= height + 2 and w > 0 and h > 0
    assert doc.find("a", cls="original-open").attrs["href"] == f"/file/{key}#page={first}"
    assert " style=" not in r.get_data(as_text=True)  # the CSP allows no inline style


def test_region_marks_the_item_lines_not_the_whole_page(client, originals):
    """The first article's region on page 1 lies below the masthead and above the next article."""
    hits = originals["items"][PDF]
    data = client.get(f"/api/items/{hits[0]['id']}").get_json()
    page = data["original"]["pages"][0]
    assert page["number"] == 1 and page["width"] == pytest.approx(595.3, abs=0.5)
    regions = page["regions"]
    text = data["body"].replace("\n", "")
    assert len(regions) >= len(text) // 45  # a line box per line of its text, about
    top = min(r["y0"] for r in regions)
    assert top > 150  # the masthead and the contents come first
    lines = sorted(r["y0"] for r in regions)
    assert all(b > a for a, b in zip(lines, lines[1:]))  # one box per line, top to bottom


def test_json_carries_pages_regions_and_ocr(client, originals):
    hit = originals["items"][SCAN][0]
    data = client.get(f"/api/items/{hit['id']}").get_json()
    assert data["pages"] == {"first": 1, "last": 1}
    assert 50 <= data["ocr_confidence"] <= 100
    original = data["original"]
    assert original["format"] == "pdf" and original["paged"] and original["file_key"] == file_key(SCAN)
    assert original["pages"][0]["ocr"] is True and original["pages"][0]["regions"]
    listed = client.get("/api/search?q=镇江").get_json()["hits"]  # the scan's words
    assert listed and all(h["source"] == SCAN and h["ocr_confidence"] is not None for h in listed)
    info = client.get(f"/api/files/{file_key(SCAN)}").get_json()
    assert info["source"] == SCAN and info["page_count"] == 1 and "regions" not in info["pages"][0]


def test_ocr_badge_in_hits_and_on_the_item_page(client, originals):
    doc = parse_html(client.get("/?q=镇江").data)
    badges = [b.text() for b in doc.find_all("span", cls="badge-ocr")]
    assert badges and all(re.fullmatch(r"OCR \d+%", b) for b in badges)
    hit = originals["items"][SCAN][0]
    doc = parse_html(client.get(f"/item/{hit['id']}").data)
    assert doc.find("p", cls="item-kind").find("span", cls="badge-ocr")
    assert doc.find("section", id="original").find("figcaption").find("span", cls="badge-ocr")
    # a text-layer PDF has no badge
    doc = parse_html(client.get(f"/item/{originals['items'][PDF][0]['id']}").data)
    assert doc.find("p", cls="item-kind").find("span", cls="badge-ocr") is None
    assert doc.find("section", id="original").find("span", cls="badge-ocr") is None


def test_a_page_image_is_its_own_page(client, originals):
    hit = originals["items"][IMAGE][0]
    assert hit["pages"] == {"first": 1, "last": 1} and hit["ocr_confidence"] is not None
    figure = parse_html(client.get(f"/item/{hit['id']}").data).find("section", id="original").find("figure")
    key = file_key(IMAGE)
    assert figure.find("a", cls="page-frame").attrs["href"] == f"/file/{key}"  # no #page= for an image
    assert figure.find("svg", cls="page-marks").find_all("rect", cls="region-line")
    page = client.get(figure.find("img").attrs["src"])
    assert page.status_code == 200 and page.mimetype == "image/png"
    r = client.get(f"/file/{key}")
    assert r.status_code == 200 and r.headers["Content-Type"] == "image/png"
    assert r.headers["Content-Disposition"].startswith("inline;")


def test_a_text_file_has_no_page_view_but_its_original(client, originals):
    hit = originals["items"]["note.txt"][0]
    doc = parse_html(client.get(f"/item/{hit['id']}").data)
    assert doc.find("section", id="original") is None
    assert doc.find("a", cls="original-file").attrs["href"] == f"/file/{file_key('note.txt')}"
    r = client.get(f"/file/{file_key('note.txt')}")
    assert r.status_code == 200 and r.headers["Content-Type"] == "text/plain; charset=gb18030"
    assert r.data.decode("gb18030").startswith("援疆工作简报")


# -- the original and its page images ---------------------------------------------------------

def test_original_pdf_is_served_inline_with_its_name(client, originals):
    r = client.get(f"/file/{file_key(PDF)}")
    assert r.status_code == 200 and r.data == originals["pdf"]
    assert r.headers["Content-Type"] == "application/pdf"
    disposition = r.headers["Content-Disposition"]
    assert disposition.startswith("inline;") and "filename*=UTF-8''" + quote("简报 第1期.pdf") in disposition
    assert "script-src" not in r.headers["Content-Security-Policy"]
    assert "default-src 'none'" in r.headers["Content-Security-Policy"]
    assert r.headers["X-Content-Type-Options"] == "nosniff"


def test_a_web_page_original_is_downloaded_never_rendered(client, originals):
    r = client.get(f"/file/{file_key('news.html')}")
    assert r.status_code == 200 and r.data.decode("utf-8") == NEWS
    assert r.headers["Content-Disposition"].startswith("attachment;")
    assert r.headers["Content-Security-Policy"].startswith("sandbox")


def test_page_image_is_a_png_of_the_page(client, originals):
    key = file_key(PDF)
    r = client.get(f"/file/{key}/page/2.png?v=x")
    assert r.status_code == 200 and r.mimetype == "image/png"
    image = Image.open(io.BytesIO(r.data))
    assert image.width == 1240 and image.height == pytest.approx(1240 * 841.89 / 595.27, abs=2)
    assert "max-age" in r.headers["Cache-Control"]
    again = client.get(f"/file/{key}/page/2.png?v=x", headers={"If-None-Match": r.headers["ETag"]})
    assert again.status_code == 304
    scan = client.get(f"/file/{file_key(SCAN)}/page/1.png")
    assert scan.status_code == 200 and Image.open(io.BytesIO(scan.data)).width == 1240


@pytest.mark.parametrize("url", [
    "/file/0000000000", "/file/0000000000/page/1.png", "/api/files/0000000000",
    "/file/{pdf}/page/0.png", "/file/{pdf}/page/99.png", "/file/{pdf}/page/-1.png", "/file/{pdf}/page/x.png",
    "/file/{txt}/page/1.png", "/file/{pdf}/../../etc/passwd", "/file/..%2F..%2Fetc%2Fpasswd",
    "/file/%2e%2e%2f%2e%2e%2fetc%2fpasswd", "/file/..%2Fnote.txt", "/file/note.txt", "/file/2030%2Fscan.pdf",
    "/file/{pdf}%2F..%2F..%2Fnote.txt", "/file/file:note.txt", "/api/files/..%2F..%2Fetc%2Fpasswd",
    "/file/?path=/etc/passwd", "/file/{pdf}/page/1.png/../../../etc/passwd",
])
def test_unknown_files_and_traversal_are_clean_404s(client, url):
    url = url.format(pdf=file_key(PDF), txt=file_key("note.txt"))
    r = client.get(url)
    assert r.status_code in (404, 308), (url, r.status_code)
    body = r.get_data(as_text=True)
    assert "root:x:0:0" not in body and "Traceback" not in body and "%PDF" not in body


@pytest.mark.parametrize("url", ["/file/{key}?path=/etc/passwd", "/file/{key}?source=../note.txt&file=x"])
def test_parameters_never_choose_the_file(client, originals, url):
    r = client.get(url.format(key=file_key(PDF)))
    assert r.status_code == 200 and r.data == originals["pdf"]


def test_changed_and_removed_originals(originals, tmp_path):
    """A copy of the index and corpus: the file changes (409, cached pages still shown),
    then goes (404); both pages say what happened and what to do."""
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    shutil.copytree(originals["corpus"], corpus)
    build_index(corpus, index)
    client = create_app({"INDEX_DIR": str(index), "TESTING": True}).test_client()
    key = file_key(PDF)
    assert client.get(f"/file/{key}/page/1.png").status_code == 200  # rendered and cached
    (corpus / PDF).write_bytes(originals["pdf"] + b"%% appended\n")

    r = client.get(f"/file/{key}")
    assert r.status_code == 409 and r.mimetype == "text/html"
    message = parse_html(r.data).find("p", cls="error-message").text()
    assert "简报 第1期.pdf" in message and "python -m search index" in message
    assert client.get(f"/api/files/{key}").status_code == 200  # the index still knows it
    assert client.get(f"/file/{key}/page/1.png").status_code == 200  # of the indexed contents
    assert client.get(f"/file/{key}/page/2.png").status_code == 409  # cannot be drawn now

    (corpus / PDF).unlink()
    r = client.get(f"/file/{key}")
    assert r.status_code == 404
    assert "移动或删除" in parse_html(r.data).find("p", cls="error-message").text()

    assert page_images_dir(index, PDF).is_dir()
    build_index(corpus, index)  # indexed again: the file is gone from the index, its pages too
    client = create_app({"INDEX_DIR": str(index), "TESTING": True}).test_client()
    assert client.get(f"/file/{key}").status_code == 404
    assert not page_images_dir(index, PDF).exists()
    assert client.get(f"/file/{file_key(SCAN)}/page/1.png").status_code == 200
    assert page_images_dir(index, SCAN).is_dir()


def test_a_hostile_file_name_is_text_everywhere(tmp_path):
    name = 'x"><img src=x onerror=alert(1)>;filename=evil.html.pdf'
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / name).write_bytes(typeset_pdf(briefing(2030, 4, "2030-04-01", [PDF_ARTICLES[0]])))
    assert build_index(corpus, tmp_path / "index").ok
    client = create_app({"INDEX_DIR": str(tmp_path / "index"), "TESTING": True}).test_client()
    item_id = client.get("/api/search?q=伊宁县").get_json()["hits"][0]["id"]
    html = client.get(f"/item/{item_id}").get_data(as_text=True)
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    r = client.get(f"/file/{file_key(name)}")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    disposition = r.headers["Content-Disposition"]
    assert re.fullmatch(r'inline; filename="[^"\\;<>]+\.pdf"', disposition), disposition  # one parameter
