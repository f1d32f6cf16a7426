"""The real server (`python -m webui`, waitress) driven by Debian's headless Chromium.

Screenshots of each page go to test-output/screenshots/. Without /usr/bin/chromium these
tests skip, unless REQUIRE_BROWSER=1 (as in CI), where they fail instead.
"""
from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from conftest import HOSTILE_TITLE_1, HOSTILE_TITLE_2, ROOT

pytestmark = pytest.mark.browser

SHOTS = ROOT / "test-output" / "screenshots"
START_TIMEOUT = 60.0  # seconds to wait for the server to answer (not an assertion on speed)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(index_dir: Path, log_path: Path):
    """Start `python -m webui` on a free port; yield its base URL; stop it."""
    port = free_port()
    log = open(log_path, "wb")
    proc = subprocess.Popen([sys.executable, "-m", "webui", "--index", str(index_dir),
                             "--host", "127.0.0.1", "--port", str(port)],
                            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT
    try:
        while True:
            if proc.poll() is not None:
                pytest.fail(f"server exited with {proc.returncode}: {log_path.read_text(errors='replace')}")
            try:
                with urllib.request.urlopen(base + "/api/issues", timeout=5) as r:
                    if r.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"server did not answer: {log_path.read_text(errors='replace')}")
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.fixture(scope="module")
def server(index_dir, tmp_path_factory):
    yield from serve(index_dir, tmp_path_factory.mktemp("server") / "server.log")


@pytest.fixture(scope="module")
def hostile_server(hostile_index_dir, tmp_path_factory):
    yield from serve(hostile_index_dir, tmp_path_factory.mktemp("hostile-server") / "server.log")


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    pg = context.new_page()
    pg.errors = []  # uncaught script errors and CSP violations land here
    pg.on("pageerror", lambda exc: pg.errors.append(str(exc)))
    pg.on("console", lambda msg: msg.type == "error" and pg.errors.append(msg.text))
    pg.on("response", lambda r: r.status >= 400 and pg.errors.append(f"{r.status} {r.url}"))
    yield pg
    context.close()


def shot(pg, name: str, full_page: bool = True):
    SHOTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full_page)


def total(pg) -> int:
    return int(pg.locator(".total").get_attribute("data-total"))


def test_search_facet_item_and_source_span(server, page):
    from playwright.sync_api import expect

    page.goto(server + "/")
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

    with urllib.request.urlopen(server + "/api/search?q=%E5%8C%BB%E7%96%97&limit=1", timeout=30) as r:
        item_id = json.load(r)["hits"][0]["id"]
    page.goto(f"{server}/item/{item_id}?q=医疗#span")
    expect(page.locator("#span")).to_be_in_viewport()
    expect(page.locator("#span mark.term").first).to_be_visible()
    assert page.errors == []


def test_pages_without_javascript_still_work(server, browser):
    from playwright.sync_api import expect

    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    try:
        pg.goto(server + "/?q=援疆")
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
    page.goto(server + "/?q=援疆")
    assert not page.locator("button.js-hidden").is_visible()
    page.select_option("#sort", "newest")
    page.wait_for_url(re.compile(r".*sort=newest.*"))
    dates = page.locator("li.hit time").all_inner_texts()
    assert dates and dates == sorted(dates, reverse=True)


def test_issue_group_and_list_pages(server, page):
    from playwright.sync_api import expect

    page.goto(server + "/issues")
    expect(page.locator("li.issue-card")).to_have_count(5)
    shot(page, "issues")
    page.locator("a.issue-card-title", has_text="2017年第17期").click()
    page.wait_for_url(re.compile(r".*/issue/2017-17$"))
    expect(page.locator("h1")).to_contain_text("2017年第17期")
    n = page.locator("article.issue-item").count()
    assert n > 3 and page.locator(".issue-contents li").count() == n
    shot(page, "issue")
    page.goto(server + "/group/南通")
    expect(page.locator("h1")).to_contain_text("南通")
    assert page.locator(".group-items li.hit").count() > 0
    shot(page, "group")
    page.goto(server + "/item/no-such-item")
    expect(page.locator("h1")).to_contain_text("未找到")
    shot(page, "not-found")
    assert [e for e in page.errors if "404" not in e] == []


def test_keyboard_reaches_the_search_box_and_results(server, page):
    page.goto(server + "/?q=援疆")
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
        pg.goto(server + "/?q=南通")
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
        page.goto(hostile_server + url)
        assert page.evaluate("typeof window.__xss") == "undefined", url
        assert page.locator('img[src="x"]').count() == 0, url
        assert page.locator("b").count() == 0, url
    page.goto(hostile_server + "/?q=script")
    expect(page.locator(".hit-title").first).to_contain_text("<script>window.__xss=1</script>")
    shot(page, "hostile-search")
    page.goto(hostile_server + "/?q=img")
    titles = page.locator(".hit-title").all_inner_texts()
    assert HOSTILE_TITLE_2 in titles
    page.locator(".hit-title a").first.click()
    page.wait_for_url(re.compile(r".*/item/.*"))
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert page.locator('img[src="x"]').count() == 0
    assert page.locator("#item-title").inner_text() in (HOSTILE_TITLE_1, HOSTILE_TITLE_2)
    shot(page, "hostile-item")
    # a hostile query string is shown, not run
    page.goto(hostile_server + '/?q="><img src=x onerror="window.__xss=9">')
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert page.locator('img[src="x"]').count() == 0
    assert page.input_value("#q") == '"><img src=x onerror="window.__xss=9">'
