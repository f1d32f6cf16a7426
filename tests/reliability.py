"""Helpers shared by the reliability tests (tests/test_reliability_*.py).

* `vary_corpus` writes N distinct briefing files derived from the samples in corpus/.
* `run_cli` runs `python -m search …` as a user would, with a timeout.
* `Server` starts the real waitress server (`python -m webui`) on a free port.
* `index_state` lists what an index holds (ids and titles), to compare two indexes.
"""
from __future__ import annotations

import http.client
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "corpus"
PYTHON = sys.executable

GROUPS = ("南通", "苏州", "武进", "江阴", "南京", "淮安", "扬州", "泰州", "徐州", "江宁", "镇江",
          "张家港", "连云港")
WORDS = ("葡萄", "薰衣草", "苹果", "雪莲", "马铃薯", "棉花", "枸杞", "红枣", "核桃", "蜂蜜")


def sample_texts() -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted(SAMPLES.glob("*.txt"))]


def vary(text: str, n: int, rng: random.Random, marker: str | None = None) -> str:
    """A variation of a sample: its own issue number and year, swapped group names and
    words, and (optionally) a marker sentence appended to a body paragraph."""
    year = 2010 + n % 15
    number = 1 + n // 15
    text = re.sub(r"(\d{4})(\s*)年(\s*)第(\s*)\d+(\s*)期(（\s*总\s*第\s*)\d+(\s*期）)?",
                  lambda m: f"{year}{m.group(2)}年{m.group(3)}第{m.group(4)}{number}{m.group(5)}期"
                            + (f"{m.group(6)}{n + 1}{m.group(7)}" if m.group(6) else ""),
                  text, count=1)
    text = re.sub(r"(\d{4})(\s*)年(\s*)(\d{1,2})(\s*)月(\s*)(\d{1,2})(\s*)日",
                  lambda m: f"{year}{m.group(2)}年{m.group(3)}{1 + n % 12}{m.group(5)}月"
                            f"{m.group(6)}{1 + n % 28}{m.group(8)}日", text, count=1)
    a, b = rng.sample(GROUPS, 2)
    text = text.replace(a, "\0").replace(b, a).replace("\0", b)
    text = text.replace("医疗", rng.choice(("医疗", "卫生", "教育")))
    if marker:
        # Append the marker to the longest paragraph that ends a sentence.
        paras = text.split("\n")
        best = max(range(len(paras)), key=lambda i: len(paras[i]) if paras[i].endswith("。") else 0)
        paras[best] += f"{marker}{rng.choice(WORDS)}。"
        text = "\n".join(paras)
    return text


def vary_corpus(folder: Path, count: int, seed: int = 1, markers: bool = True) -> list[Path]:
    """Write `count` distinct briefing files (a few in sub-folders) under `folder`."""
    rng = random.Random(seed)
    samples = sample_texts()
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for n in range(count):
        text = vary(samples[n % len(samples)], n, rng, marker=f"编号{n:04d}" if markers else None)
        sub = folder / f"{2010 + n % 15}" if n % 3 == 0 else folder
        sub.mkdir(exist_ok=True)
        path = sub / f"issue-{n:04d}.txt"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


# ----------------------------------------------------------------------------- the CLI

def cli_env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


def run_cli(*args, timeout: float = 120, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([PYTHON, "-m", "search", *map(str, args)], capture_output=True,
                          text=True, cwd=ROOT, timeout=timeout, env=cli_env(), **kw)


def assert_no_traceback(stderr: str) -> None:
    assert "Traceback" not in stderr, stderr[-3000:]


# ----------------------------------------------------------------------------- indexes

def index_state(index_dir) -> list[tuple[str, str, str]]:
    """(id, source, title) of every item in the index, sorted: what a build produced."""
    from whoosh import index as whoosh_index
    ix = whoosh_index.open_dir(str(index_dir))
    with ix.searcher() as s:
        # Item documents keep their source in a column; their file's record lists them.
        by_id = {item["id"]: (f["meta"]["source"], item["title"])
                 for f in s.documents(rec="file") for item in f["meta"]["items"]}
        return sorted((f["id"], *by_id[f["id"]]) for f in s.documents(rec="item"))


# ----------------------------------------------------------------------------- the server

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


_ASCII = "".join(chr(c) for c in range(33, 127))


class Server:
    """`python -m webui --index DIR` on a free loopback port; a context manager."""

    def __init__(self, index_dir, threads: int = 8, log_path=None):
        self.index_dir = Path(index_dir)
        self.threads = threads
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.proc: subprocess.Popen | None = None

    def __enter__(self):
        self._log = open(self.log_path, "w+b") if self.log_path else subprocess.DEVNULL
        self.proc = subprocess.Popen(
            [PYTHON, "-m", "webui", "--index", str(self.index_dir), "--host", "127.0.0.1",
             "--port", str(self.port), "--threads", str(self.threads)],
            cwd=ROOT, env=cli_env(), stdout=self._log, stderr=self._log, start_new_session=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}: {self.log()}")
            try:
                status, _, _ = self.get("/api/search?q=", timeout=5)
                if status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"server did not answer within 30 s: {self.log()}")

    def __exit__(self, *exc):
        self.stop()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        if self.log_path and hasattr(self._log, "close"):
            self._log.close()

    def log(self) -> str:
        if not self.log_path:
            return ""
        return Path(self.log_path).read_bytes().decode("utf-8", "replace")[-5000:]

    def get(self, path: str, timeout: float = 10) -> tuple[int, dict, bytes]:
        """(status, headers, body) of one GET on a fresh connection; `path` is sent as is,
        except that characters outside ASCII are percent-encoded as UTF-8 (as browsers do)."""
        path = urllib.parse.quote(path, safe=_ASCII)
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            conn.close()

    def get_json(self, path: str, timeout: float = 10):
        status, _, body = self.get(path, timeout)
        return status, json.loads(body)


def api_search(q: str, **params) -> str:
    return "/api/search?" + urllib.parse.urlencode({"q": q, **params}, doseq=True)
