"""Seeing the collection in headless Chromium against the real server: the timeline drawn
and narrowed by a click, a CSV export downloaded and read back, a citation copied, the
overview. The corpus is the benchmark's generator at a small size: 15 years of issues of
13 groups, so the timeline counts years and the heat map has something to show.
"""
from __future__ import annotations

import csv
import io
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from benchmarks import scaler

from support import Server, index_corpus, shot, total

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def years_server(tmp_path_factory):
    base = tmp_path_factory.mktemp("collection")
    scaler.generate(base / "corpus", 0.3, seed=5)
    with Server(index_corpus(base), log_path=base / "server.log") as server:
        yield server.base


def test_timeline_is_drawn_and_a_click_on_a_bar_narrows_the_dates(years_server, page):
    from playwright.sync_api import expect

    page.goto(years_server + "/?q=援疆")
    chart = page.locator("svg.timeline-chart")
    expect(chart).to_be_visible()
    box = chart.bounding_box()
    assert box["width"] > 400 and box["height"] > 60  # drawn at a readable size
    bars = page.locator("svg.timeline-chart a.bar-link")
    periods = [bars.nth(i).get_attribute("data-period") for i in range(bars.count())]
    assert len(periods) > 5 and all(re.fullmatch(r"\d{4}", p) for p in periods)  # 2010–2024: years
    everything = total(page)
    shot(page, "timeline", full_page=False)

    bar = bars.last
    label = bar.get_attribute("aria-label")
    count = int(re.search(r"：(\d+) 条", label).group(1))
    assert 0 < count < everything
    year = bar.get_attribute("data-period")
    bar.click()
    page.wait_for_url(re.compile(r".*date_from=.*"))
    args = parse_qs(urlsplit(page.url).query)
    assert args["date_from"] == [f"{year}-01-01"] and args["date_to"] == [f"{year}-12-31"]
    assert total(page) == count
    expect(page.locator("a.chip-dates")).to_contain_text(f"{year}-01-01")
    dates = page.locator("li.hit time").all_inner_texts()
    assert dates and all(d.startswith(year) for d in dates)
    # within one year the chart counts months
    months = page.locator("svg.timeline-chart a.bar-link").first.get_attribute("data-period")
    assert months.startswith(f"{year}-")
    # the date chip takes the range away again
    page.locator("a.chip-dates").click()
    page.wait_for_url(re.compile(r"^(?!.*date_from).*$"))
    assert total(page) == everything
    assert page.errors == []


def test_csv_export_downloads_the_whole_result_set(years_server, page):
    page.goto(years_server + "/?q=援疆&group=南通")
    expected = total(page)
    assert expected > 10  # more than one results page
    with page.expect_download() as info:
        page.locator("a.export-csv").click()
    download = info.value
    assert download.suggested_filename.endswith(".csv")
    data = open(download.path(), "rb").read()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert len(rows) == expected and {r["group"] for r in rows} == {"南通"}
    assert rows[0]["id"] == page.locator("li.hit").first.get_attribute("data-id")
    assert all(r["url"].startswith(years_server + "/item/") for r in rows)
    assert page.errors == []


def test_copy_citation_puts_the_visible_text_on_the_clipboard(years_server, page):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=years_server)
    page.goto(years_server + "/?q=援疆")
    hit = page.locator("li.hit").first
    text = hit.locator(".citation-text").inner_text()
    assert "[R]" in text and "援疆工作简报" in text
    button = hit.locator("button.copy-citation")
    assert button.is_visible()  # app.js shows it; without JS the text alone is there
    button.click()
    assert page.evaluate("navigator.clipboard.readText()") == text
    assert button.inner_text() == "已复制"
    assert page.errors == []


def test_overview_shows_totals_heat_map_and_links_into_the_search(years_server, page):
    from playwright.sync_api import expect

    page.goto(years_server + "/")
    page.locator(".site-nav a", has_text="概览").click()
    page.wait_for_url(re.compile(r".*/overview$"))
    expect(page.locator("table.heat")).to_be_visible()
    assert int(page.locator(".total-items").inner_text()) > 100
    assert page.locator("table.heat thead th").count() >= 15 + 2  # group, 2010–2024, total
    shot(page, "overview")
    cell = page.locator("table.heat td.heat-5 a").first
    n = int(cell.inner_text())
    cell.click()
    page.wait_for_url(re.compile(r".*year=.*"))
    assert set(parse_qs(urlsplit(page.url).query)) == {"group", "year"}
    assert total(page) == n
    assert page.errors == []


def test_without_javascript_the_timeline_links_and_the_citation_still_work(years_server, browser):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    try:
        pg = context.new_page()
        pg.goto(years_server + "/?q=援疆")
        assert pg.locator("button.copy-citation").first.is_hidden()
        assert pg.locator(".citation-text").first.inner_text()
        href = pg.locator("svg.timeline-chart a.bar-link").first.get_attribute("href")
        pg.goto(years_server + href)
        assert "date_from" in parse_qs(urlsplit(pg.url).query)
    finally:
        context.close()
