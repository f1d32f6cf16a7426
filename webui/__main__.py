"""`python -m webui [--index DIR] [--host H] [--port N]`: serve the web UI under waitress."""
from __future__ import annotations

import argparse
import sys

import waitress

from search.cli import DEFAULT_INDEX
from search.errors import SearchError
from webui import create_app, get_searcher


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m webui", description="援疆简报检索 — the web UI")
    ap.add_argument("--index", default=DEFAULT_INDEX, help=f"index folder (default: {DEFAULT_INDEX})")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8000)
    # Requests are CPU-bound under the GIL: more worker threads only contend for it. At
    # 8 concurrent clients on 2 cores, 2 threads gave the lowest p95 (benchmarks/README).
    ap.add_argument("--threads", type=int, default=2, help="worker threads (default: 2)")
    args = ap.parse_args(argv)
    app = create_app({"INDEX_DIR": str(args.index)})
    try:
        with app.app_context():
            get_searcher()  # open the index and load Jieba now, not on the first request
    except SearchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"serving {args.index} on http://{args.host}:{args.port}/", file=sys.stderr)
    try:
        waitress.serve(app, host=args.host, port=args.port, threads=args.threads, ident="briefing-search")
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
