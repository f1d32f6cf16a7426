"""Reprints, suggestions and the concordance in headless Chromium against the real server:
a story's other versions opened from its collapsed hit and from its item page, the search
box's suggestions used with the keyboard alone, and the concordance aligned, re-sorted and
downloaded. Over the sample corpus plus a copy of one issue and a traditional-script repost.
"""
from __future__ import annotations

import csv
import io
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from search.analysis import normalize

from support import Server, index_corpus, shot, total
from test_versions import ISSUE, REPOST

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def reprint_server(tmp_path_factory):
    base = tmp_path_factory.mktemp("reprints")
    index = index_corpus(base, {"2018-03.txt": ISSUE, "news.txt": REPOST,
                                "copies/2018-03.md": ISSUE.replace("援疆工作简报", "# 援疆工作简报", 1)}, samples=True)
    with Server(index, log_path=base / "server.log") as server:
        yield server.base


def test_other_versions_open_from_the_collapsed_hit_and_the_item_page(reprint_server, page):
    from playwright.sync_api import expect

    page.goto(reprint_server + "/?q=融资难题")
    hits = page.locator("li.hit")
    expect(hits).to_have_count(1)  # three versions, one story
    line = hits.first.locator(".hit-versions")
    expect(line).to_contain_text("另有 2 个版本")
    expect(page.locator(".versions-mode")).to_contain_text("共 1 篇报道")
    shot(page, "versions-collapsed", full_page=False)

    page.locator("a.versions-toggle").click()
    page.wait_for_url(re.compile(r".*versions=all.*"))
    expect(page.locator("li.hit")).to_have_count(3)
    assert total(page) == 3
    page.go_back()
    expect(page.locator("li.hit")).to_have_count(1)

    first = hits.first.get_attribute("data-id")
    hits.first.locator(".hit-title a").click()
    page.wait_for_url(re.compile(rf".*/item/{first}.*"))
    versions = page.locator("section.versions li")
    expect(versions).to_have_count(2)
    expect(page.locator("section.versions h2")).to_contain_text("其他版本")
    sources = set(page.locator("section.versions .version-source").all_inner_texts())
    assert sources | {page.locator(".source-link").inner_text()} == {"2018-03.txt", "copies/2018-03.md", "news.txt"}
    shot(page, "versions-item")

    # each version lists the others, the one we came from among them
    other = page.locator("section.versions li a").first
    other_id = urlsplit(other.get_attribute("href")).path.rsplit("/", 1)[1]
    other.click()
    page.wait_for_url(re.compile(rf".*/item/{other_id}.*"))
    back_links = [urlsplit(h).path for h in page.locator("section.versions li a").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))")]
    assert f"/item/{first}" in back_links and len(back_links) == 2
    assert page.errors == []


def test_suggestions_are_used_with_the_keyboard_alone(reprint_server, page):
    from playwright.sync_api import expect

    page.goto(reprint_server + "/")
    box = page.locator("#q")
    listbox = page.locator("#q-suggestions")
    expect(box).to_have_attribute("role", "combobox")
    expect(box).to_have_attribute("aria-expanded", "false")
    box.focus()
    page.keyboard.type("南", delay=30)
    expect(listbox).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    options = listbox.locator("[role=option]")
    assert options.count() >= 3
    labels = options.locator(".suggestion-label").all_inner_texts()
    assert labels[0] == "南通" and "南京" in labels

    page.keyboard.press("ArrowDown")
    first_id = options.nth(0).get_attribute("id")
    expect(box).to_have_attribute("aria-activedescendant", first_id)
    expect(options.nth(0)).to_have_attribute("aria-selected", "true")
    page.keyboard.press("ArrowDown")
    expect(box).to_have_attribute("aria-activedescendant", options.nth(1).get_attribute("id"))
    expect(options.nth(0)).to_have_attribute("aria-selected", "false")
    page.keyboard.press("ArrowUp")
    expect(box).to_have_attribute("aria-activedescendant", first_id)
    page.keyboard.press("ArrowUp")  # from the first to the last
    expect(box).to_have_attribute("aria-activedescendant", options.nth(options.count() - 1).get_attribute("id"))
    shot(page, "suggestions", full_page=False)

    page.keyboard.press("Escape")
    expect(listbox).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")
    assert box.get_attribute("aria-activedescendant") is None
    assert box.input_value() == "南"  # Escape closes; the text stays

    # ↓ opens the list again; Enter on the first suggestion (the group) filters by it
    page.keyboard.press("ArrowDown")
    expect(listbox).to_be_visible()
    expect(box).to_have_attribute("aria-activedescendant", first_id)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*group=.*"))
    assert parse_qs(urlsplit(page.url).query) == {"group": ["南通"]}
    expect(page.locator(".chip")).to_contain_text("南通")

    # Enter with no suggestion chosen submits what was typed, as without JavaScript
    box.fill("")
    box.focus()
    page.keyboard.type("伊宁", delay=30)
    expect(listbox).to_be_visible()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*q=.*"))
    assert parse_qs(urlsplit(page.url).query)["q"] == ["伊宁"]
    assert page.errors == []


def test_concordance_is_aligned_on_the_word_sorted_and_downloaded(reprint_server, page):
    from playwright.sync_api import expect

    page.goto(reprint_server + "/?q=援疆")
    page.locator("a.kwic-link").click()
    page.wait_for_url(re.compile(r".*/kwic\?.*"))
    page.select_option("#kwic-sort", "left")
    page.locator(".kwic-form button[type=submit]").click()
    page.wait_for_url(re.compile(r".*sort=left.*"))
    rows = page.locator("table.kwic tbody tr")
    assert rows.count() > 50
    keys = page.locator("table.kwic td.kwic-key a")
    expect(keys.first).to_have_text("援疆")
    # aligned: every keyword starts at the same x, every left context ends against it
    boxes = [keys.nth(i).bounding_box() for i in range(0, rows.count(), 7)]
    centres = {round(b["x"] + b["width"] / 2) for b in boxes}
    assert max(centres) - min(centres) <= 1
    left_edges = page.locator("table.kwic td.kwic-left .kwic-clip").evaluate_all(
        "cells => cells.slice(0, 20).map(c => { const r = document.createRange(); r.selectNodeContents(c);"
        " return [r.getBoundingClientRect().right, c.getBoundingClientRect().right]; })")
    assert all(abs(text_right - cell_right) <= 2 for text_right, cell_right in left_edges)
    # sorted by the character just left of the word
    nearest = [normalize(t.strip()[-1:]) for t in page.locator("table.kwic td.kwic-left").all_inner_texts()]
    assert nearest == sorted(nearest)
    shot(page, "kwic", full_page=False)

    page.locator("nav.kwic-sorts a", has_text="按右侧语境").click()
    page.wait_for_url(re.compile(r".*sort=right.*"))
    firsts = [normalize(t.strip()[:1]) for t in page.locator("table.kwic td.kwic-right").all_inner_texts()]
    assert firsts == sorted(firsts)

    with page.expect_download() as info:
        page.locator("a.kwic-csv").click()
    data = open(info.value.path(), "rb").read()
    assert data.startswith(b"\xef\xbb\xbf")
    table = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert len(table) == rows.count() and {r["keyword"] for r in table} == {"援疆"}
    assert [r["right"] for r in table] == [t for t in page.locator("table.kwic td.kwic-right").all_inner_texts()]

    page.locator("table.kwic td.kwic-key a").first.click()
    page.wait_for_url(re.compile(r".*/item/.*"))
    assert page.locator(".item-body mark").count() > 0
    assert page.errors == []
