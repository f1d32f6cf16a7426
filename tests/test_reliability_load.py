"""Reliability (issue 6), part 6: a bounded load test against the real waitress server.

16 client threads on loopback, for RELIABILITY_LOAD_SECONDS (default 30), send a mix of
searches (plain, phrases, exclusions, field prefixes), facet filters, sorts, pages,
item pages, issue and group pages and the JSON API, over keep-alive connections.

Asserted: not one error (every answer 200, no dropped connection), no hung worker (the
slowest answer within MAX_LATENCY), and the server's memory (RSS of the server process,
measured after a warm-up and at the end) grows by less than RELIABILITY_RSS_GROWTH_MB.
The figures are printed for the README.
"""
from __future__ import annotations

import http.client
import os
import random
import statistics
import threading
import time
import urllib.parse
from pathlib import Path

import psutil
import pytest

from search.searcher import REFRESH_EVERY

from reliability import api_search, vary_corpus
from support import CORPUS, Server, run_cli

SECONDS = float(os.environ.get("RELIABILITY_LOAD_SECONDS", 30))
WARMUP_SECONDS = min(5.0, SECONDS / 3)
CLIENTS = int(os.environ.get("RELIABILITY_LOAD_CLIENTS", 16))
FILES = int(os.environ.get("RELIABILITY_LOAD_FILES", 300))
RSS_GROWTH_MB = float(os.environ.get("RELIABILITY_RSS_GROWTH_MB", 50))
MAX_LATENCY = 10.0  # seconds; far above normal, only a stuck worker gets there

QUERIES = ["援疆", "南通", "医疗", "培训", "伊宁县", "霍尔果斯", "援疆 干部", "产业 招商", '"两学一做"',
           "教育 -南通", "title:医院", "body:葡萄", "苏州 group:苏州", "扶贫 year:2015", "棉花 葡萄 枸杞",
           "援疆干部人才", "昭苏县 医疗 设备", "乡村振兴", "joint", "编号0042", ""]


def rss(pid: int) -> int:
    process = psutil.Process(pid)
    return sum(p.memory_info().rss for p in [process, *process.children(recursive=True)])


def url_mix(server: Server, rng: random.Random) -> list[str]:
    """A few hundred distinct requests, in the proportions of real use."""
    urls = []
    status, first = server.get_json(api_search("", limit=100))
    assert status == 200
    facets = first["facets"]
    items = [h["id"] for h in first["hits"]]
    for h in server.get_json(api_search("援疆", limit=100))[1]["hits"]:
        items.append(h["id"])
    issues = [f["value"] for f in facets["issue"]][:40]
    groups = [f["value"] for f in facets["group"]]
    for n in range(400):
        q = rng.choice(QUERIES)
        kind = n % 10
        if kind < 4:  # searches: HTML and API, some paged or sorted
            params = {"q": q}
            if rng.random() < 0.3:
                params["page"] = rng.randint(1, 3)
            if rng.random() < 0.2:
                params["sort"] = rng.choice(["newest", "oldest"])
            prefix = "/api/search?" if n % 2 else "/?"
            urls.append(prefix + urllib.parse.urlencode(params))
        elif kind < 6:  # facets
            params = [("q", q), ("group", rng.choice(groups))]
            if rng.random() < 0.5:
                params.append(("kind", rng.choice(["article", "dynamic"])))
            if rng.random() < 0.5:
                params.append(("issue", rng.choice(issues)))
            if rng.random() < 0.3:
                params.append(("group", rng.choice(groups)))
            urls.append(rng.choice(["/?", "/api/search?"]) + urllib.parse.urlencode(params))
        elif kind < 8:  # item pages, with and without highlighting
            item = rng.choice(items)
            urls.append(rng.choice([f"/item/{item}", f"/item/{item}?q=" + urllib.parse.quote(q or "援疆"),
                                    f"/api/items/{item}"]))
        elif kind < 9:
            urls.append(rng.choice([f"/issue/{rng.choice(issues)}", f"/api/issues/{rng.choice(issues)}",
                                    "/issues", "/api/issues"]))
        else:
            group = urllib.parse.quote(rng.choice(groups))
            urls.append(rng.choice([f"/group/{group}", f"/api/groups/{group}", "/groups"]))
    return urls


class Load:
    def __init__(self, server: Server, urls: list[str]):
        self.server, self.urls = server, urls
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self.statuses: dict[int, int] = {}
        self.lock = threading.Lock()
        self.done = threading.Event()  # set: the clients stop before their time is up

    def run(self, seconds: float, clients: int) -> float:
        stop = time.monotonic() + seconds
        threads = [threading.Thread(target=self._client, args=(n, stop), daemon=True) for n in range(clients)]
        started = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join(seconds + 60)
        assert not any(t.is_alive() for t in threads), "a client thread is stuck"
        return time.monotonic() - started

    def _client(self, n: int, stop: float) -> None:
        rng = random.Random(n)
        conn = None
        latencies, errors, statuses = [], [], {}
        while time.monotonic() < stop and not self.done.is_set():
            url = rng.choice(self.urls)
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=MAX_LATENCY + 20)
            started = time.perf_counter()
            try:
                conn.request("GET", url)
                response = conn.getresponse()
                body = response.read()
            except Exception as exc:
                errors.append(f"{url}: {exc!r}")
                conn.close()
                conn = None
                continue
            latencies.append(time.perf_counter() - started)
            statuses[response.status] = statuses.get(response.status, 0) + 1
            if response.status != 200:
                errors.append(f"{url}: {response.status} {body[:200]!r}")
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = None
        if conn is not None:
            conn.close()
        with self.lock:
            self.latencies += latencies
            self.errors += errors
            for k, v in statuses.items():
                self.statuses[k] = self.statuses.get(k, 0) + v


def indexed(corpus: Path, index: Path, timeout: float) -> Path:
    built = run_cli("index", corpus, "--index", index, timeout=timeout)
    assert built.returncode == 0, built.stderr
    return index


def warmed_up(server: Server, seed: int) -> tuple[list[str], Load]:
    """The URL mix for `server`, and the warm-up load over it (which must see no error)."""
    urls = url_mix(server, random.Random(seed))
    warm = Load(server, urls)
    warm.run(WARMUP_SECONDS, CLIENTS)
    assert not warm.errors, warm.errors[:5]
    return urls, warm


def percentiles(latencies: list[float]) -> list[float]:
    return statistics.quantiles(latencies, n=100) if len(latencies) > 100 else [max(latencies or [0])] * 99


def report(figures: str) -> None:
    """Print a test's figures, and add them to $RELIABILITY_FIGURES when it names a file."""
    print("\n" + figures)
    out = os.environ.get("RELIABILITY_FIGURES")
    if out:
        with open(out, "a", encoding="utf-8") as fh:
            fh.write(figures + "\n")


@pytest.mark.slow
def test_sustained_mixed_load_has_no_errors_and_bounded_memory(tmp_path):
    corpus = tmp_path / "corpus"
    vary_corpus(corpus, FILES, seed=5)
    for p in CORPUS.glob("*.txt"):
        (corpus / p.name).write_bytes(p.read_bytes())
    index = indexed(corpus, tmp_path / "index", timeout=600)
    with Server(index, threads=8, log_path=tmp_path / "server.log") as server:
        urls, _ = warmed_up(server, seed=1)
        before = rss(server.proc.pid)
        load = Load(server, urls)
        took = load.run(SECONDS, CLIENTS)
        after = rss(server.proc.pid)
        alive = server.proc.poll() is None
        log = server.log()
    n = len(load.latencies)
    cuts = percentiles(load.latencies)
    figures = (f"load: {CLIENTS} clients, {took:.0f} s, {n} requests over {len(set(urls))} distinct URLs "
               f"({FILES + 5} files indexed), {n / took:.0f} req/s, errors {len(load.errors)}; latency "
               f"p50 {cuts[49] * 1000:.0f} ms, p95 {cuts[94] * 1000:.0f} ms, p99 {cuts[98] * 1000:.0f} ms, "
               f"max {max(load.latencies) * 1000:.0f} ms; server RSS {before / 2**20:.0f} MB after warm-up "
               f"-> {after / 2**20:.0f} MB at the end ({(after - before) / 2**20:+.1f} MB)")
    report(figures)
    assert alive, log
    assert not load.errors, f"{len(load.errors)} errors, e.g. {load.errors[:5]}"
    assert load.statuses == {200: n}
    assert n > 10 * SECONDS, "the server answered suspiciously few requests"
    assert max(load.latencies) < MAX_LATENCY, "a request waited for a stuck worker"
    assert after - before < RSS_GROWTH_MB * 2**20, f"server memory grew by {(after - before) / 2**20:.0f} MB"
    assert "Traceback" not in log, log


REINDEX_MB = float(os.environ.get("RELIABILITY_REINDEX_MB", 5))  # 50 for the README's figure


@pytest.mark.slow
def test_rebuilding_the_index_while_16_clients_search_loses_no_request(tmp_path):
    """A full re-index (--rebuild) of a corpus of REINDEX_MB while CLIENTS clients search:
    every answer a 200, the server moves to the new generation without a restart, and
    its memory holds one generation, not two."""
    from benchmarks import scaler

    corpus = tmp_path / "corpus"
    manifest = scaler.generate(corpus, REINDEX_MB, seed=7)
    index = indexed(corpus, tmp_path / "index", timeout=1800)
    with Server(index, threads=8, log_path=tmp_path / "server.log") as server:
        urls, warm = warmed_up(server, seed=2)
        quiet = percentiles(warm.latencies)[94]
        before = rss(server.proc.pid)
        _, generation = server.get_json(api_search("", limit=1))
        load = Load(server, urls)
        clients = threading.Thread(target=load.run, args=(3600, CLIENTS), daemon=True)
        clients.start()
        started = time.monotonic()
        rebuilt = run_cli("index", corpus, "--index", index, "--rebuild", timeout=1800)
        took = time.monotonic() - started
        time.sleep(2 * REFRESH_EVERY)  # requests on the new generation count too
        load.done.set()
        clients.join(MAX_LATENCY + 60)
        status, result = server.get_json(api_search("", limit=1))
        after = rss(server.proc.pid)
        log = server.log()
    assert rebuilt.returncode == 0, rebuilt.stderr
    cuts = percentiles(load.latencies)
    figures = (f"re-indexing {manifest['bytes'] / 1e6:.0f} MB ({manifest['files']} files, --rebuild, {took:.0f} s) "
               f"under {CLIENTS} clients: {len(load.latencies)} requests, errors {len(load.errors)}; latency "
               f"p50 {cuts[49] * 1000:.0f} ms, p95 {cuts[94] * 1000:.0f} ms (warm-up p95: {quiet * 1000:.0f} ms), "
               f"max {max(load.latencies) * 1000:.0f} ms; server RSS {before / 2**20:.0f} -> {after / 2**20:.0f} MB")
    report(figures)
    assert not load.errors, f"{len(load.errors)} errors, e.g. {load.errors[:5]}"
    assert load.statuses == {200: len(load.latencies)} and len(load.latencies) > 10 * took
    assert max(load.latencies) < MAX_LATENCY, "a request waited for a stuck worker"
    assert status == 200 and result["total"] == generation["total"] > 0
    # The old generation is let go: what stays is one generation's columns, not two.
    assert after - before < max(RSS_GROWTH_MB * 2**20, 0.5 * before), \
        f"server memory grew by {(after - before) / 2**20:.0f} MB"
    assert "Traceback" not in log, log
