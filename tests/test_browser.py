"""The real server (`python -m webui`, waitress) driven by Debian's headless Chromium.

Screenshots of each page go to test-output/screenshots/. Without /usr/bin/chromium these
tests skip, unless REQUIRE_BROWSER=1 (as in CI), where they fail instead.
"""
from __future__ import annotations

import io
import json
import re
import shutil
import urllib.request
from urllib.parse import parse_qs, quote, urlsplit

import numpy as np
import pytest

from support import HOSTILE_TITLE_1, HOSTILE_TITLE_2, PDF_ARTICLES, ROOT, SHOTS, shot, total

pytestmark = pytest.mark.browser

README_SHOTS = ROOT / "docs" / "screenshots"  # the ones the README shows


def test_search_facet_item_and_source_span(server, page):
    from playwright.sync_api import expect

    page.goto(server.base + "/")
    expect(page.locator("body.page-search")).to_have_count(1)
    everything = total(page)
    page.fill("#q", "援疆")
    page.press("#q", "Enter")
    page.wait_for_url(re.compile(r".*[?&]q=.*"))
    assert parse_qs(urlsplit(page.url).query)["q"] == ["援疆"]
    expect(page.locator("#q")).to_have_value("援疆")
    hits = page.locator("li.hit")
    expect(hits.first).to_be_visible()
    assert page.locator("li.hit mark").count() > 0
    assert page.locator("li.hit .hit-title mark").first.inner_text() == "援疆"
    before = total(page)
    assert 0 < before <= everything
    shot(page, "search")

    # choose a work group: the count shown next to it becomes the total
    facet = page.locator('.facet-group a.facet-value[data-value="南通"]')
    count = int(facet.locator(".count").inner_text())
    assert 0 < count < before
    kind_counts_before = page.locator(".facet-kind .count").all_inner_texts()
    facet.click()
    page.wait_for_url(re.compile(r".*group=.*"))
    assert parse_qs(urlsplit(page.url).query)["group"] == ["南通"]
    assert total(page) == count
    expect(page.locator(".facet-group a.facet-value.is-selected")).to_have_count(1)
    assert set(page.locator("li.hit .meta-group").all_inner_texts()) == {"南通"}
    assert page.locator(".facet-kind .count").all_inner_texts() != kind_counts_before
    expect(page.locator("a.chip")).to_contain_text("南通")
    shot(page, "search-group-facet")

    # open the first hit: terms highlighted, the span marked in the source view
    first = page.locator("li.hit .hit-title a").first
    title = first.inner_text()
    first.click()
    page.wait_for_url(re.compile(r".*/item/.*"))
    expect(page.locator("#item-title")).to_have_text(title)
    assert page.locator(".item-body mark").count() > 0
    span = page.locator("#span")
    expect(span.locator("mark.span").first).to_be_visible()
    page.locator(".source-actions a[href='#span']").click()
    expect(span).to_be_in_viewport()
    first_line = span.locator(".line").first
    expect(first_line).to_be_in_viewport()
    assert page.url.endswith("#span")
    shot(page, "item-source", full_page=False)
    page.evaluate("window.scrollTo(0, 0)")  # the whole page from the top; the source box keeps the span shown
    shot(page, "item")
    assert page.errors == []


def test_item_address_with_span_anchor_scrolls_to_it(server, page):
    from playwright.sync_api import expect

    with urllib.request.urlopen(server.base + "/api/search?q=%E5%8C%BB%E7%96%97&limit=1", timeout=30) as r:
        item_id = json.load(r)["hits"][0]["id"]
    page.goto(f"{server.base}/item/{item_id}?q=医疗#span")
    expect(page.locator("#span")).to_be_in_viewport()
    expect(page.locator("#span mark.term").first).to_be_visible()
    assert page.errors == []


def test_pages_without_javascript_still_work(server, browser):
    from playwright.sync_api import expect

    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    try:
        pg.goto(server.base + "/?q=援疆")
        expect(pg.locator("button.js-hidden")).to_be_visible()  # the sort needs its button
        pg.select_option("#sort", "oldest")
        pg.locator("button.js-hidden").click()
        pg.wait_for_url(re.compile(r".*sort=oldest.*"))
        dates = pg.locator("li.hit time").all_inner_texts()
        assert dates and dates == sorted(dates)
        assert pg.locator("li.hit").count() > 0
    finally:
        context.close()


def test_sort_select_applies_itself_with_javascript(server, page):
    page.goto(server.base + "/?q=援疆")
    assert not page.locator("button.js-hidden").is_visible()
    page.select_option("#sort", "newest")
    page.wait_for_url(re.compile(r".*sort=newest.*"))
    dates = page.locator("li.hit time").all_inner_texts()
    assert dates and dates == sorted(dates, reverse=True)


def test_issue_group_and_list_pages(server, page):
    from playwright.sync_api import expect

    page.goto(server.base + "/issues")
    expect(page.locator("li.issue-card")).to_have_count(5)
    shot(page, "issues")
    page.locator("a.issue-card-title", has_text="2017年第17期").click()
    page.wait_for_url(re.compile(r".*/issue/2017-17$"))
    expect(page.locator("h1")).to_contain_text("2017年第17期")
    n = page.locator("article.issue-item").count()
    assert n > 3 and page.locator(".issue-contents li").count() == n
    shot(page, "issue")
    page.goto(server.base + "/group/南通")
    expect(page.locator("h1")).to_contain_text("南通")
    assert page.locator(".group-items li.hit").count() > 0
    shot(page, "group")
    page.goto(server.base + "/item/no-such-item")
    expect(page.locator("h1")).to_contain_text("未找到")
    shot(page, "not-found")
    assert [e for e in page.errors if "404" not in e] == []


def test_keyboard_reaches_the_search_box_and_results(server, page):
    page.goto(server.base + "/?q=援疆")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.locator("body").click(position={"x": 5, "y": 300})
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "q"
    # focus is visible: the focused element gets an outline
    page.keyboard.press("Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"


def test_phone_layout_puts_facets_under_results(server, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    pg = context.new_page()
    try:
        pg.goto(server.base + "/?q=南通")
        results = pg.locator("section.results").bounding_box()
        facets = pg.locator("aside.facets").bounding_box()
        assert facets["y"] >= results["y"] + results["height"] - 1
        assert facets["width"] > 300  # full width, not a squeezed sidebar
        shot(pg, "search-phone")
    finally:
        context.close()


def test_hostile_document_does_not_execute(hostile_server, page):
    from playwright.sync_api import expect

    for url in ("/?q=script", "/?q=onerror", "/", "/issue/2030-01", "/group/苏州"):
        page.goto(hostile_server.base + url)
        assert page.evaluate("typeof window.__xss") == "undefined", url
        assert page.locator('img[src="x"]').count() == 0, url
        assert page.locator("b").count() == 0, url
    page.goto(hostile_server.base + "/?q=script")
    expect(page.locator(".hit-title").first).to_contain_text("<script>window.__xss=1</script>")
    shot(page, "hostile-search")
    page.goto(hostile_server.base + "/?q=img")
    titles = page.locator(".hit-title").all_inner_texts()
    assert HOSTILE_TITLE_2 in titles
    page.locator(".hit-title a").first.click()
    page.wait_for_url(re.compile(r".*/item/.*"))
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert page.locator('img[src="x"]').count() == 0
    assert page.locator("#item-title").inner_text() in (HOSTILE_TITLE_1, HOSTILE_TITLE_2)
    shot(page, "hostile-item")
    # a hostile query string is shown, not run
    page.goto(hostile_server.base + '/?q="><img src=x onerror="window.__xss=9">')
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert page.locator('img[src="x"]').count() == 0
    assert page.input_value("#q") == '"><img src=x onerror="window.__xss=9">'


# -- the original page, in context ------------------------------------------------------------

REGION_RED = (0xD9, 0x30, 0x25)  # .page-marks .region's stroke in style.css


def hits_of(server: str, q: str) -> list[dict]:
    with urllib.request.urlopen(f"{server}/api/search?q={quote(q)}&limit=20", timeout=30) as r:
        return json.load(r)["hits"]


def assert_marked_page(page, item_id: str, server: str, name: str) -> None:
    """The item page shows its original page, loaded, with the region drawn inside it."""
    from PIL import Image
    from playwright.sync_api import expect

    page.goto(f"{server}/item/{item_id}#original")
    figure = page.locator("#original figure.page-view").first
    image = figure.locator("img.page-image")
    expect(image).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    assert image.evaluate("img => img.naturalWidth") == 1240
    region = figure.locator("rect.region")
    expect(region).to_be_visible()
    img_box, mark = image.bounding_box(), region.bounding_box()
    assert img_box["x"] - 4 <= mark["x"] and mark["x"] + mark["width"] <= img_box["x"] + img_box["width"] + 4
    assert img_box["y"] - 4 <= mark["y"] and mark["y"] + mark["height"] <= img_box["y"] + img_box["height"] + 4
    assert mark["width"] * mark["height"] < 0.8 * img_box["width"] * img_box["height"]  # a part, not the page
    # Drawn, not only laid out: the frame's red outline is in the pixels over the page image.
    pixels = np.asarray(Image.open(io.BytesIO(figure.screenshot())).convert("RGB"), dtype=int)
    red = int((np.abs(pixels - REGION_RED).max(axis=2) < 40).sum())
    assert red > 100, red
    expect(page.locator("#original-title")).to_contain_text("原件第")
    link = figure.locator("a.page-frame").get_attribute("href")
    assert re.fullmatch(r"/file/[0-9a-f]{10}#page=\d+", link), link
    figure.screenshot(path=str(SHOTS / f"{name}-page.png"))
    page.locator("#original").evaluate("section => section.scrollIntoView()")  # the element shots scrolled
    shot(page, name, full_page=False)
    README_SHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(SHOTS / f"{name}.png", README_SHOTS / f"{name}.png")
    assert page.errors == []


def test_pdf_item_shows_its_page_marked(paged_server, page):
    long_article = hits_of(paged_server.base, PDF_ARTICLES[1][0])[0]
    assert long_article["title"] == PDF_ARTICLES[1][0]
    assert long_article["pages"]["last"] > long_article["pages"]["first"]
    assert_marked_page(page, long_article["id"], paged_server.base, "item-pdf")
    assert page.locator("#original figure.page-view").count() == (
        long_article["pages"]["last"] - long_article["pages"]["first"] + 1)
    # from the results page: the hit says where it is in the original
    page.goto(f"{paged_server.base}/?q=霍尔果斯招商")
    expect_text = page.locator("li.hit .meta-pages").first.inner_text()
    assert re.fullmatch(r"原件第 \d+–\d+ 页", expect_text), expect_text


def test_scanned_item_shows_its_page_marked_and_its_ocr_badge(paged_server, page):
    from playwright.sync_api import expect

    hit = hits_of(paged_server.base, "镇江")[0]  # words of the scan
    assert hit["ocr_confidence"] is not None
    assert_marked_page(page, hit["id"], paged_server.base, "item-scan")
    expect(page.locator(".item-kind .badge-ocr")).to_contain_text("OCR")
    page.goto(f"{paged_server.base}/?q=镇江")
    expect(page.locator("li.hit .badge-ocr").first).to_have_text(re.compile(r"OCR \d+%"))
    shot(page, "search-ocr", full_page=False)


def test_the_page_view_needs_no_javascript(paged_server, browser):
    from playwright.sync_api import expect

    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    try:
        item_id = hits_of(paged_server.base, PDF_ARTICLES[0][0])[0]["id"]
        pg.goto(f"{paged_server.base}/item/{item_id}#original")
        image = pg.locator("#original img.page-image").first
        expect(image).to_be_visible()
        pg.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
        expect(pg.locator("#original rect.region").first).to_be_visible()
    finally:
        context.close()
