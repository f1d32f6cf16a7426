"""Helpers of the reliability tests (tests/test_reliability_*.py); what all tests share
(the CLI runner, the server launcher) is in support.py.

* `vary_corpus` writes N distinct briefing files derived from the samples in corpus/.
* `index_state` lists what an index holds (ids and titles), to compare two indexes.
* `session_processes` lists the live processes of a session (a run and its workers).
"""
from __future__ import annotations

import os
import random
import re
import urllib.parse
from pathlib import Path

import psutil

from support import CORPUS

GROUPS = ("南通", "苏州", "武进", "江阴", "南京", "淮安", "扬州", "泰州", "徐州", "江宁", "镇江",
          "张家港", "连云港")
WORDS = ("葡萄", "薰衣草", "苹果", "雪莲", "马铃薯", "棉花", "枸杞", "红枣", "核桃", "蜂蜜")


def sample_texts() -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.txt"))]


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


def api_search(q: str, **params) -> str:
    return "/api/search?" + urllib.parse.urlencode({"q": q, **params}, doseq=True)


def session_processes(sid: int) -> list[psutil.Process]:
    """Every live process of the session `sid` (the indexer and whatever it started)."""
    found = []
    for pid in psutil.pids():
        try:
            if os.getsid(pid) == sid and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                found.append(psutil.Process(pid))
        except (OSError, psutil.Error):  # gone meanwhile
            pass
    return found
