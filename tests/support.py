"""What the tests share, as plain functions and classes (the fixtures built on them are in
conftest.py):

* `run_cli` runs `python -m search …` as a user would; `cli_env` is its environment.
* `Server` starts the real web server (`python -m webui`, waitress) on a free port.
* `index_corpus` writes a corpus of texts made in a test and indexes it.
* `briefing` writes a plain-text issue in the layout of the real ones; `hostile_briefing`
  one whose text is full of markup that must never reach a page as markup.
* `parse_html` reads a page into a small tree, to find elements and read their text.
* The documents of the paged corpus (PDF, scan, web page, GB18030 text).
"""
from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus" / "texts"  # the sample issues as extracted text (corpus/originals: as typeset)
PYTHON = sys.executable
HOST = "127.0.0.1"


# ----------------------------------------------------------------------------- the CLI

def cli_env() -> dict:
    """The environment of a child process that imports this checkout's code."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


def run_cli(*args, timeout: float = 120, env: dict | None = None, text: bool = True,
            **kw) -> subprocess.CompletedProcess:
    """`python -m search ARGS…` in a child, with `env` added to its environment; its output
    as text, or as bytes (`text=False`)."""
    return subprocess.run([PYTHON, "-m", "search", *map(str, args)], capture_output=True,
                          text=text, cwd=ROOT, timeout=timeout, env=cli_env() | (env or {}), **kw)


def assert_no_traceback(stderr: str) -> None:
    assert "Traceback" not in stderr, stderr[-3000:]


# ----------------------------------------------------------------------------- the server

def free_port() -> int:
    """A loopback port nobody listens on now (the kernel's choice)."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


_ASCII = "".join(chr(c) for c in range(33, 127))


class ServerError(RuntimeError):
    pass


class Server:
    """`python -m webui --index DIR` on a free loopback port; a context manager.

    Its log goes to `log_path` (appended to), or nowhere. `threads` is waitress's thread
    count; None leaves the server's own default, as shipped.
    """

    START_TIMEOUT = 60.0  # seconds to wait for the first answer (not an assertion on speed)
    READY_PATH = "/api/search?q=%E6%8F%B4%E7%96%86"  # a real search: the index is open

    def __init__(self, index_dir, threads: int | None = None, log_path=None):
        self.index_dir = Path(index_dir)
        self.threads = threads
        self.log_path = Path(log_path) if log_path else None
        self.port = free_port()
        self.base = f"http://{HOST}:{self.port}"
        self.proc: subprocess.Popen | None = None
        self._log = subprocess.DEVNULL

    def start(self) -> float:
        """Spawn the server; return the seconds from spawning to its first 200 answer."""
        started = time.perf_counter()
        self._log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL
        threads = ["--threads", str(self.threads)] if self.threads else []
        self.proc = subprocess.Popen(
            [PYTHON, "-m", "webui", "--index", str(self.index_dir), "--host", HOST, "--port", str(self.port),
             *threads], cwd=ROOT, env=cli_env(), stdout=self._log, stderr=self._log, start_new_session=True)
        deadline = started + self.START_TIMEOUT
        while time.perf_counter() < deadline:
            if self.proc.poll() is not None:
                self.stop()
                raise ServerError(f"server exited with {self.proc.returncode}: {self.log()}")
            try:
                if self.get(self.READY_PATH, timeout=10)[0] == 200:
                    return time.perf_counter() - started
            except OSError:
                pass
            time.sleep(0.005)
        self.stop()
        raise ServerError(f"server did not answer within {self.START_TIMEOUT:.0f} s: {self.log()}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        if self._log is not subprocess.DEVNULL:
            self._log.close()
            self._log = subprocess.DEVNULL

    def __enter__(self) -> "Server":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def log(self) -> str:
        """The end of the server's log, for a failure message."""
        if not self.log_path or not self.log_path.exists():
            return ""
        return self.log_path.read_bytes().decode("utf-8", "replace")[-5000:]

    def get(self, path: str, timeout: float = 10) -> tuple[int, dict, bytes]:
        """(status, headers, body) of one GET on a fresh connection; `path` is sent as is,
        except that characters outside ASCII are percent-encoded as UTF-8 (as browsers do)."""
        path = urllib.parse.quote(path, safe=_ASCII)
        conn = http.client.HTTPConnection(HOST, self.port, timeout=timeout)
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            conn.close()

    def get_json(self, path: str, timeout: float = 10):
        status, _, body = self.get(path, timeout)
        return status, json.loads(body)


# ----------------------------------------------------------------------------- the browser

SHOTS = ROOT / "test-output" / "screenshots"


def shot(pg, name: str, full_page: bool = True) -> None:
    """A screenshot of a Playwright page, as test-output/screenshots/NAME.png."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full_page)


def total(pg) -> int:
    """The result count a results page shows."""
    return int(pg.locator(".total").get_attribute("data-total"))


# ----------------------------------------------------------------------------- documents

FOOTER = ("本期报：中央新疆办，省委、省人大、省政府有关领导同志。\n\n"
          "江苏省对口支援伊犁州前方指挥部办公室\n\n共印 150 份\n")


def index_corpus(base: Path, files: dict[str, str] | None = None, samples: bool = False) -> Path:
    """Index base/corpus — the sample issues if `samples`, then `files` (name → text) written
    into it — into base/index, which is returned; every file must index."""
    from search.index import build_index

    corpus = base / "corpus"
    if samples:
        shutil.copytree(CORPUS, corpus, dirs_exist_ok=True)
    for name, text in (files or {}).items():
        (corpus / name).parent.mkdir(parents=True, exist_ok=True)
        (corpus / name).write_text(text, encoding="utf-8")
    summary = build_index(corpus, base / "index")
    assert summary.ok, summary.lines()
    return base / "index"


def briefing(year: int, number: int, date: str, articles: list[tuple[str, str]],
             dynamics: list[tuple[str, str]] = ()) -> str:
    """A plain-text issue: header, contents, articles (title, body), 动态 (title, body), footer."""
    y, m, d = date.split("-")
    lines = ["援疆工作简报", f"{year} 年第 {number} 期（总第 {number} 期）",
             "江苏省对口支援新疆伊犁州前方指挥部", f"{y} 年 {int(m)} 月 {int(d)} 日", "【本期要目】"]
    lines += [f"- ★ {title}" for title, _ in articles]
    if dynamics:
        lines.append("【本期动态】")
        lines += [f"- ☆ {title}" for title, _ in dynamics]
    for title, body in articles:
        lines += [title, body]
    if dynamics:
        lines.append("【本期动态】")
        lines += [f"{title}。{body}" for title, body in dynamics]
    return "\n\n".join(lines) + "\n\n" + FOOTER


# Titles and bodies that carry markup that must never reach the page as markup. Each
# payload sets window.__xss if it ever runs, and each <img> has src="x" to be found.
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


# The paged corpus (conftest.paged_index): a text-layer PDF briefing of three pages or more,
# a scanned one, a photographed page, a saved web page and a GB18030 text file.
SENTENCE = "南通援疆工作组深入伊宁县各乡镇开展产业援疆调研，走访企业和农户，听取意见建议。"
PDF_ARTICLES = [("南通援疆工作组调研伊宁县产业发展", SENTENCE * 14),
                ("苏州援疆工作组推进霍尔果斯招商引资", "苏州援疆工作组在霍尔果斯举办招商推介会，签约项目十二个。" * 30),
                ("常州援疆工作组开展医疗帮扶", "常州援疆医生在尼勒克县开展义诊活动，接诊群众三百余人。" * 8)]
TEXT_ARTICLE = ("泰州援疆工作组慰问困难群众", "泰州援疆工作组走访察布查尔县困难家庭，送去米面油和慰问金。" * 5)
IMAGE_ARTICLES = [("扬州援疆工作组捐建农村书屋", "扬州援疆工作组在新源县捐建农村书屋五座，赠送图书两万册。" * 3)]
SCAN_ARTICLES = [("镇江援疆工作组开展支教活动", "镇江援疆教师在昭苏县中学开展公开课教学，受到师生欢迎。" * 3)]
NEWS = ("<!doctype html><html><head><title>援疆新闻</title><meta name='date' content='2030-03-05'></head><body>"
        "<nav>首页 | 新闻</nav><article><h1>江宁援疆工作组助力特克斯旅游</h1>"
        + "<p>江宁援疆工作组在特克斯县推动全域旅游发展，游客人数同比增长三成。</p>" * 4
        + "</article><footer>版权所有</footer></body></html>")
PDF = "2030/简报 第1期.pdf"
SCAN = "2030/scan.pdf"
IMAGE = "2030/page.png"


# ----------------------------------------------------------------------------- HTML

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
RAW_TEXT = {"script", "style"}  # their content is code, not text a reader sees


class Node:
    """An element of a parsed page: tag, attributes, children (elements and strings)."""

    def __init__(self, tag: str, attrs: dict, parent: "Node | None"):
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list["Node | str"] = []

    @property
    def classes(self) -> set[str]:
        return set((self.attrs.get("class") or "").split())

    def text(self) -> str:
        """The text a reader sees: scripts and styles left out."""
        return "".join(c if isinstance(c, str) else c.text() for c in self.children
                       if isinstance(c, str) or c.tag not in RAW_TEXT)

    def raw_text(self) -> str:
        """The strings directly inside this element (a script's code)."""
        return "".join(c for c in self.children if isinstance(c, str))

    def iter(self):
        """Every element below this one, in document order."""
        for c in self.children:
            if isinstance(c, Node):
                yield c
                yield from c.iter()

    def find_all(self, tag: str | None = None, cls: str | None = None, **attrs) -> list["Node"]:
        """Elements with this tag, class and attributes (`data_id=` for data-id, `for_=` for for)."""
        out = []
        for n in self.iter():
            if tag and n.tag != tag:
                continue
            if cls and cls not in n.classes:
                continue
            if any(n.attrs.get(k.rstrip("_").replace("_", "-")) != v for k, v in attrs.items()):
                continue
            out.append(n)
        return out

    def find(self, tag: str | None = None, cls: str | None = None, **attrs) -> "Node | None":
        found = self.find_all(tag, cls, **attrs)
        return found[0] if found else None

    def ancestors(self):
        n = self.parent
        while n is not None:
            yield n
            n = n.parent


class _TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {}, None)
        self.cur = self.root

    def handle_starttag(self, tag, attrs):
        node = Node(tag, {k: (v if v is not None else "") for k, v in attrs}, self.cur)
        self.cur.children.append(node)
        if tag not in VOID:
            self.cur = node

    def handle_startendtag(self, tag, attrs):
        self.cur.children.append(Node(tag, {k: (v or "") for k, v in attrs}, self.cur))

    def handle_endtag(self, tag):
        n = self.cur
        while n is not None and n.tag != tag:
            n = n.parent
        if n is not None and n.parent is not None:
            self.cur = n.parent

    def handle_data(self, data):
        self.cur.children.append(data)


def parse_html(html: str | bytes) -> Node:
    """The page as a tree of `Node`s under a root node."""
    if isinstance(html, bytes):
        html = html.decode("utf-8")
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root
