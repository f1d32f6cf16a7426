"""Shared fixtures for the web UI tests: indexes built once per session, the app, a client,
and Debian's headless Chromium for the browser tests."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from search.index import build_index

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"

CHROMIUM = "/usr/bin/chromium"
# Without the networking flags Chromium keeps calling home through a closed network.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

# A briefing whose titles and bodies carry markup that must never reach the page as markup.
# Each payload sets window.__xss if it ever runs, and each <img> has src="x" to be found.
HOSTILE_TITLE_1 = "南通援疆工作组<script>window.__xss=1</script>专题会"
HOSTILE_TITLE_2 = '苏州援疆工作组"><img src=x onerror="window.__xss=2">招商'
HOSTILE_BODY_1 = ("1月1日，南通援疆工作组在伊宁县召开会议，正文包含<script>window.__xss=3</script>脚本和"
                  '"><img src=x onerror="window.__xss=4">图片。')
HOSTILE_BODY_2 = ('1月2日，苏州援疆工作组在霍尔果斯开展招商活动，正文包含 <b>粗体</b> & 符号 '
                  '"><img src=x onerror=alert(1)>。')


def hostile_briefing() -> str:
    parts = ["援疆工作简报", "2030 年第 1 期（总第 1 期）", "江苏省对口支援新疆伊犁州前方指挥部",
             "2030 年 1 月 2 日", "【本期要目】", f"- ★ {HOSTILE_TITLE_1}", f"- ★ {HOSTILE_TITLE_2}",
             HOSTILE_TITLE_1, HOSTILE_BODY_1, HOSTILE_TITLE_2, HOSTILE_BODY_2]
    return "\n\n".join(parts) + "\n"


@pytest.fixture(scope="session")
def index_dir(tmp_path_factory) -> Path:
    """The sample corpus, indexed once for the whole session."""
    index = tmp_path_factory.mktemp("webui-index")
    summary = build_index(CORPUS, index)
    assert summary.ok and summary.items_added > 20, summary.lines()
    return index


@pytest.fixture(scope="session")
def hostile_index_dir(tmp_path_factory) -> Path:
    """An index of one briefing whose text is full of HTML and script payloads."""
    base = tmp_path_factory.mktemp("hostile")
    corpus = base / "corpus"
    corpus.mkdir()
    (corpus / "hostile.txt").write_text(hostile_briefing(), encoding="utf-8")
    summary = build_index(corpus, base / "index")
    assert summary.ok and summary.items_added == 2, summary.lines()
    return base / "index"


@pytest.fixture
def app(index_dir):
    from webui import create_app
    return create_app({"INDEX_DIR": str(index_dir), "TESTING": True})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium through Playwright (no browser download); a skip without it,
    unless REQUIRE_BROWSER=1 (CI), where a missing browser fails."""
    if not os.path.exists(CHROMIUM):
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"{CHROMIUM} is missing and REQUIRE_BROWSER=1 (apt-get install chromium)")
        pytest.skip(f"{CHROMIUM} not installed")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()
