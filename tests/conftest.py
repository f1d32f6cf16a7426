"""Shared fixtures: indexes built once per session (the sample corpus, a hostile briefing),
the app and its test client, the real server on each index, and Debian's headless
Chromium for the browser tests. Plain helpers are in support.py."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from benchmarks.typeset import page_image, scan_pdf, typeset_pdf
from search.index import build_index

from support import (CORPUS, IMAGE, IMAGE_ARTICLES, NEWS, PDF, PDF_ARTICLES, SCAN, SCAN_ARTICLES, TEXT_ARTICLE,
                     Server, briefing, hostile_briefing)

CHROMIUM = "/usr/bin/chromium"
# Without the networking flags Chromium keeps calling home through a closed network.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


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


@pytest.fixture(scope="session")
def paged_index(tmp_path_factory) -> dict:
    """A corpus of a text-layer PDF briefing (three pages or more), a scanned one and a
    photographed page (OCR), a saved web page and a GB18030 text file, indexed once."""
    base = tmp_path_factory.mktemp("paged")
    corpus = base / "corpus"
    (corpus / "2030").mkdir(parents=True)
    pdf = typeset_pdf(briefing(2030, 1, "2030-01-06", PDF_ARTICLES))
    (corpus / PDF).write_bytes(pdf)
    (corpus / SCAN).write_bytes(scan_pdf(typeset_pdf(briefing(2030, 2, "2030-02-03", SCAN_ARTICLES))))
    (corpus / IMAGE).write_bytes(page_image(typeset_pdf(briefing(2030, 5, "2030-05-04", IMAGE_ARTICLES))))
    (corpus / "news.html").write_text(NEWS, encoding="utf-8")
    (corpus / "note.txt").write_text(briefing(2030, 3, "2030-03-02", [TEXT_ARTICLE]), encoding="gb18030")
    summary = build_index(corpus, base / "index")
    assert summary.ok, summary.lines()
    return {"corpus": corpus, "index": base / "index", "pdf": pdf}


def _serve(index_dir: Path, log_dir: Path):
    with Server(index_dir, log_path=log_dir / "server.log") as server:
        yield server


@pytest.fixture(scope="session")
def server(index_dir, tmp_path_factory) -> Server:
    """The real server (`python -m webui`) on the sample corpus's index."""
    yield from _serve(index_dir, tmp_path_factory.mktemp("server"))


@pytest.fixture(scope="session")
def hostile_server(hostile_index_dir, tmp_path_factory) -> Server:
    """The real server on the hostile briefing's index."""
    yield from _serve(hostile_index_dir, tmp_path_factory.mktemp("hostile-server"))


@pytest.fixture(scope="session")
def paged_server(paged_index, tmp_path_factory) -> Server:
    """The real server on the paged corpus's index."""
    yield from _serve(paged_index["index"], tmp_path_factory.mktemp("paged-server"))


@pytest.fixture
def page(browser):
    """A fresh Chromium page; `page.errors` collects script errors, CSP violations and 4xx/5xx."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    pg = context.new_page()
    pg.errors = []  # uncaught script errors and CSP violations land here
    pg.on("pageerror", lambda exc: pg.errors.append(str(exc)))
    pg.on("console", lambda msg: msg.type == "error" and pg.errors.append(msg.text))
    pg.on("response", lambda r: r.status >= 400 and pg.errors.append(f"{r.status} {r.url}"))
    yield pg
    context.close()


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
