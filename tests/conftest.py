"""Shared fixtures for the web UI tests: indexes built once per session, the app, a client,
and Debian's headless Chromium for the browser tests."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from benchmarks.typeset import scan_pdf, typeset_pdf
from briefing import briefing
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


SENTENCE = "南通援疆工作组深入伊宁县各乡镇开展产业援疆调研，走访企业和农户，听取意见建议。"
PDF_ARTICLES = [("南通援疆工作组调研伊宁县产业发展", SENTENCE * 14),
                ("苏州援疆工作组推进霍尔果斯招商引资", "苏州援疆工作组在霍尔果斯举办招商推介会，签约项目十二个。" * 30),
                ("常州援疆工作组开展医疗帮扶", "常州援疆医生在尼勒克县开展义诊活动，接诊群众三百余人。" * 8)]
TEXT_ARTICLE = ("泰州援疆工作组慰问困难群众", "泰州援疆工作组走访察布查尔县困难家庭，送去米面油和慰问金。" * 5)
SCAN_ARTICLES = [("镇江援疆工作组开展支教活动", "镇江援疆教师在昭苏县中学开展公开课教学，受到师生欢迎。" * 3)]
NEWS = ("<!doctype html><html><head><title>援疆新闻</title><meta name='date' content='2030-03-05'></head><body>"
        "<nav>首页 | 新闻</nav><article><h1>江宁援疆工作组助力特克斯旅游</h1>"
        + "<p>江宁援疆工作组在特克斯县推动全域旅游发展，游客人数同比增长三成。</p>" * 4
        + "</article><footer>版权所有</footer></body></html>")


PDF = "2030/简报 第1期.pdf"
SCAN = "2030/scan.pdf"


@pytest.fixture(scope="session")
def paged_index(tmp_path_factory) -> dict:
    """A corpus of a text-layer PDF briefing (three pages or more), a scanned one (OCR),
    a saved web page and a GB18030 text file, indexed once for the session."""
    base = tmp_path_factory.mktemp("paged")
    corpus = base / "corpus"
    (corpus / "2030").mkdir(parents=True)
    pdf = typeset_pdf(briefing(2030, 1, "2030-01-06", PDF_ARTICLES))
    (corpus / PDF).write_bytes(pdf)
    (corpus / SCAN).write_bytes(scan_pdf(typeset_pdf(briefing(2030, 2, "2030-02-03", SCAN_ARTICLES))))
    (corpus / "news.html").write_text(NEWS, encoding="utf-8")
    (corpus / "note.txt").write_text(briefing(2030, 3, "2030-03-02", [TEXT_ARTICLE]), encoding="gb18030")
    summary = build_index(corpus, base / "index")
    assert summary.ok, summary.lines()
    return {"corpus": corpus, "index": base / "index", "pdf": pdf}


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
