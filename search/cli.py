"""Command line: `python -m search parse|index|query|serve …`."""
from __future__ import annotations

import argparse
import json
import sys

from search.errors import SearchError


def _print_json(data) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")


def cmd_parse(args) -> int:
    from search.parser import parse_path

    status = 0
    for path in args.files:
        try:
            doc = parse_path(path)
        except SearchError as exc:
            print(f"error: {exc}", file=sys.stderr)
            status = 1
            continue
        if args.json:
            _print_json(doc.to_json())
            continue
        head = f"{doc.series or doc.doc_type}"
        if doc.issue_key:
            head += f" {doc.year}年第{doc.issue_no}期（总第{doc.total_no}期） {doc.date or ''}"
        print(f"{doc.source}  [{doc.encoding}]  {head}")
        for item in doc.items:
            label = "文章" if item.kind == "article" else "动态"
            where = "·".join(x for x in (item.group, item.locality) if x)
            print(f"  {item.ordinal:2d}. [{label}] {item.title}  ({where or '—'}; "
                  f"lines {item.span.line_start}-{item.span.line_end}, {len(item.body)} chars)")
    return status


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m search", description="援疆简报检索 — briefing search")
    sub = ap.add_subparsers(dest="command", required=True)

    p = sub.add_parser("parse", help="parse briefing files and show their items")
    p.add_argument("files", nargs="+")
    p.add_argument("--json", action="store_true", help="one JSON object per file")
    p.set_defaults(func=cmd_parse)
    return ap


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except SearchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
