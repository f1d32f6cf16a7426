"""The real server under load, and start-up times. Loopback (127.0.0.1) only.

The server is started by the tests' launcher (`tests.support.Server`), whose `start()`
returns the seconds from spawn to the first answer of a search.
"""
from __future__ import annotations

import http.client
import json
import random
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

from tests.support import HOST, ROOT, cli_env


def search_url(q: str, filters: dict[str, list[str]], api: bool = True) -> str:
    args = [("q", q)] + [(f, v) for f, vs in filters.items() for v in vs]
    return ("/api/search?" if api else "/?") + urllib.parse.urlencode(args)


def load(port: int, paths: list[str], clients: int, seconds: float, seed: int) -> dict:
    """`clients` threads, each on one keep-alive connection, GET random `paths` for `seconds`."""
    results: list[list[tuple[float, str, int]]] = [[] for _ in range(clients)]
    errors: list[list[str]] = [[] for _ in range(clients)]
    stop_at = time.perf_counter() + seconds
    start_line = threading.Barrier(clients)

    def client(n: int):
        rng = random.Random(seed * 1000 + n)
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        start_line.wait()
        while time.perf_counter() < stop_at:
            path = rng.choice(paths)
            kind = path.split("?")[0].split("/")[1] or "page"
            t0 = time.perf_counter()
            try:
                conn.request("GET", path)
                resp = conn.getresponse()
                resp.read()
                status = resp.status
                if resp.getheader("connection", "").lower() == "close":
                    conn.close()
                    conn = http.client.HTTPConnection(HOST, port, timeout=30)
            except (OSError, http.client.HTTPException) as exc:
                status = 0
                errors[n].append(f"{path}: {exc!r}")
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=30)
            results[n].append((time.perf_counter() - t0, kind, status))
            if status != 200 and status != 0:
                errors[n].append(f"{path}: HTTP {status}")
        conn.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    samples = [r for rs in results for r in rs]
    all_errors = [e for es in errors for e in es]
    lat = sorted(r[0] for r in samples)
    by_kind = {}
    for kind in sorted({r[1] for r in samples}):
        ks = sorted(r[0] for r in samples if r[1] == kind)
        by_kind[kind] = {"n": len(ks), "p50_ms": pct(ks, 50) * 1000, "p95_ms": pct(ks, 95) * 1000}
    return {"clients": clients, "seconds": elapsed, "requests": len(samples),
            "rps": len(samples) / elapsed if elapsed else 0.0,
            "p50_ms": pct(lat, 50) * 1000, "p95_ms": pct(lat, 95) * 1000, "p99_ms": pct(lat, 99) * 1000,
            "errors": len(all_errors), "error_examples": all_errors[:5], "by_kind": by_kind}


def pct(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of an already sorted list (0.0 when empty)."""
    if not sorted_values:
        return 0.0
    k = max(0, min(len(sorted_values) - 1, -(-len(sorted_values) * p // 100) - 1))
    return sorted_values[int(k)]


def cli_startup(index: Path, query: str = "援疆") -> float:
    """Seconds from spawning `python -m search query … --json` to its exit with an answer."""
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "search", "query", query, "--index", str(index), "--json"],
                         cwd=ROOT, env=cli_env(), capture_output=True, timeout=120)
    elapsed = time.perf_counter() - started
    if out.returncode != 0:
        raise RuntimeError(f"CLI query failed: {out.stderr.decode(errors='replace')[-500:]}")
    json.loads(out.stdout)  # a real answer, not an error message
    return elapsed
