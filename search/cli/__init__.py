"""Command line: `python -m search parse|index|query …` (the web UI: `python -m webui`)."""
from __future__ import annotations

import argparse
import json
import os
import sys

from search import __version__
from search.errors import SearchError
from search.vocabulary import DEFAULT_LIMIT, DEFAULT_SORT, DEFAULT_VERSIONS, FACETS, KIND_LABELS, SORTS, VERSION_MODES

DEFAULT_INDEX = "index"  # also the web UI's default (webui/__main__.py)


def _print_json(data) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")


def cmd_parse(args) -> int:
    from search.cli.progress import ProgressBar
    from search.ingest import OcrOptions
    from search.pipeline import read_document

    status = 0
    for path in args.files:
        try:
            doc = read_document(path, options=OcrOptions(on_page=ProgressBar(f"OCR {path}")))
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
        else:
            head += "".join(f"  {x}" for x in (doc.date, doc.publisher) if x)
        print(f"{doc.source}  [{doc.encoding}]  {head}")
        for item in doc.items:
            label = KIND_LABELS.get(item.kind, item.kind)
            where = "·".join(x for x in (item.group, item.locality) if x)
            title = f"{item.title}（标题取自导语）" if item.title_derived else item.title
            print(f"  {item.ordinal:2d}. [{label}] {title}  ({where or '—'}; "
                  f"lines {item.span.line_start}-{item.span.line_end}, {len(item.body)} chars)")
    return status


def cmd_index(args) -> int:
    from search.index import build_index
    from search.cli.progress import ProgressBar

    try:
        summary = build_index(args.corpus, args.index, rebuild=args.rebuild,
                              progress=ProgressBar("indexing"))
    except KeyboardInterrupt:
        print("interrupted: the previous index is unchanged", file=sys.stderr)
        return 130
    for line in summary.lines():
        print(line, file=sys.stderr if line.startswith("skipped") else sys.stdout)
    return 0 if summary.ok else 2


def cmd_query(args) -> int:
    from search.searcher import Searcher
    from search.cli.terminal import print_results

    filters = {f.name: getattr(args, f.name) for f in FACETS if getattr(args, f.name)}
    searcher = Searcher(args.index)
    dates = {"date_from": args.date_from, "date_to": args.date_to}
    if args.format:  # the whole result set, not one page
        from search import export

        exported = searcher.export(args.query, filters, sort=args.sort, **dates)
        base = args.base_url.rstrip("/")
        sys.stdout.buffer.write(export.to_bytes(exported, args.format,
                                                lambda item_id: f"{base}{export.ITEM_PATH}{item_id}"))
        sys.stdout.flush()
        return 0
    result = searcher.search(args.query, filters, sort=args.sort, page=args.page, limit=args.limit,
                             versions=args.versions, **dates)
    if args.json:
        _print_json(result)
    else:
        print_results(result, color=sys.stdout.isatty() and not args.no_color)
    return 0


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m search", description="援疆简报检索 — briefing search")
    ap.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = ap.add_subparsers(dest="command", required=True)

    p = sub.add_parser("parse", help="parse briefing files and show their items")
    p.add_argument("files", nargs="+")
    p.add_argument("--json", action="store_true", help="one JSON object per file")
    p.set_defaults(func=cmd_parse)

    p = sub.add_parser("index", help="build or update the index from a folder of briefings")
    p.add_argument("corpus", nargs="?", default="corpus", help="folder of briefings: .txt .md .pdf .docx .doc .html .htm, "
                        "page images .png .jpg .tif (default: corpus)")
    p.add_argument("--index", default=DEFAULT_INDEX, help=f"index folder (default: {DEFAULT_INDEX})")
    p.add_argument("--rebuild", action="store_true", help="start afresh instead of updating")
    p.set_defaults(func=cmd_index)

    p = sub.add_parser("query", help="search the index")
    p.add_argument("query", help='words, "phrases", -exclusions, title:/group:/issue:… (see README)')
    p.add_argument("--index", default=DEFAULT_INDEX)
    for facet in FACETS:
        p.add_argument(f"--{facet.name}", action="append", choices=facet.choices,
                       help=f"{facet.help or facet.name} (repeat for OR)")
    p.add_argument("--sort", default=DEFAULT_SORT, choices=SORTS)
    p.add_argument("--page", type=int, default=1)
    p.add_argument("--limit", type=int, default=DEFAULT_LIMIT)
    p.add_argument("--date-from", help="earliest date, YYYY-MM-DD (or YYYY-MM, YYYY); undated items are left out")
    p.add_argument("--date-to", help="latest date, YYYY-MM-DD (or YYYY-MM, YYYY)")
    p.add_argument("--versions", default=DEFAULT_VERSIONS, choices=VERSION_MODES,
                   help="versions of one story: one hit (collapse, the default) or all")
    output = p.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="the same JSON as the web API")
    output.add_argument("--format", choices=("csv", "jsonl"),
                   help="print the whole result set (not one page) as CSV or JSON Lines")
    p.add_argument("--base-url", default="", help="prefix of the item URLs in --format output, "
                                                  "e.g. http://127.0.0.1:8000")
    p.add_argument("--no-color", action="store_true")
    p.set_defaults(func=cmd_query)

    return ap


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `… | head`: the reader has seen enough
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except SearchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
