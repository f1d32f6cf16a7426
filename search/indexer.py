"""Build and update the on-disk index from a folder of briefing files.

Incremental by default: a file whose content hash is unchanged is not parsed again,
a changed file's items are replaced, and the items of a file that is gone are removed.
All changes go into one Whoosh commit, which replaces the index's table of contents
atomically: a run that is interrupted or killed leaves the previous index as it was.
"""
from __future__ import annotations

import hashlib
import json
import os
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from whoosh import index as whoosh_index
from whoosh.index import LockError
from whoosh.writing import CLEAR

from search.analysis import USERDICT
from search.errors import SearchError, SourceError
from search.model import Document
from search.parser import parse_text
from search.reader import read_source
from search.schema import FILE, ITEM, SCHEMA_VERSION, build_schema

SUFFIXES = (".txt", ".md")
STAMP = "analysis.json"  # which analysis built the index; another one means a rebuild
DEFAULT_LOCK_WAIT = 30.0


class IndexLocked(SearchError):
    pass


@dataclass
class IndexSummary:
    files_seen: int = 0
    files_parsed: int = 0
    files_unchanged: int = 0
    files_removed: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    items_added: int = 0
    items_updated: int = 0
    items_removed: int = 0
    rebuilt: bool = False
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failed

    def lines(self) -> list[str]:
        out = [f"files: {self.files_seen} seen, {self.files_parsed} parsed, "
               f"{self.files_unchanged} unchanged, {self.files_removed} removed, "
               f"{len(self.failed)} failed",
               f"items: {self.items_added} added, {self.items_updated} updated, "
               f"{self.items_removed} removed" + (" (full rebuild)" if self.rebuilt else ""),
               f"time: {self.seconds:.2f} s"]
        out += [f"skipped {source}: {reason}" for source, reason in self.failed]
        return out


def item_id(source: str, ordinal: int) -> str:
    """Stable across re-indexing: derived from the file's path and the item's place in it."""
    return f"{hashlib.blake2b(source.encode('utf-8'), digest_size=5).hexdigest()}-{ordinal:02d}"


def analysis_stamp() -> dict:
    """Fingerprint of everything that decides the tokens: schema and domain dictionary."""
    from importlib import resources

    userdict = resources.files("search.data").joinpath(USERDICT).read_bytes()
    return {"schema": SCHEMA_VERSION, "userdict": hashlib.sha256(userdict).hexdigest()}


def find_sources(corpus: Path) -> tuple[list[Path], list[tuple[str, str]]]:
    """Briefing files under `corpus`, sorted; unreadable folders are reported, not fatal."""
    found, problems = [], []

    def onerror(exc: OSError):
        problems.append((os.path.relpath(exc.filename or str(corpus), corpus), exc.strerror or str(exc)))

    # followlinks=False: a symlink loop cannot trap the walk.
    for folder, dirs, files in os.walk(corpus, onerror=onerror, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith(".") and name.lower().endswith(SUFFIXES):
                found.append(Path(folder) / name)
    return found, problems


def source_name(path: Path, corpus: Path) -> str:
    return path.relative_to(corpus).as_posix()


def item_fields(doc: Document, item) -> dict:
    meta = {
        "title": item.title, "subtitle": item.subtitle, "toc_title": item.toc_title,
        "ordinal": item.ordinal,
        "span": {"start": item.span.start, "end": item.span.end,
                 "line_start": item.span.line_start, "line_end": item.span.line_end},
        "doc_type": doc.doc_type, "series": doc.series, "issue_no": doc.issue_no,
        "total_no": doc.total_no, "publisher": doc.publisher,
    }
    fields = {
        "id": item_id(doc.source, item.ordinal), "rec": ITEM, "source": doc.source,
        "title": "\n".join(t for t in (item.title, item.subtitle) if t),
        "body": item.body, "chars": f"{item.title}\n{item.subtitle or ''}\n{item.body}",
        "kind": item.kind, "ordinal": item.ordinal, "meta": meta,
        "group": item.group, "locality": item.locality, "issue": doc.issue_key,
        "year": str(doc.year) if doc.year is not None else None, "date": doc.date,
    }
    return {k: v for k, v in fields.items() if v is not None}


def file_fields(doc: Document) -> dict:
    meta = doc.to_json()
    meta["items"] = [{"id": item_id(doc.source, it.ordinal), "kind": it.kind, "title": it.title,
                      "toc_title": it.toc_title, "ordinal": it.ordinal} for it in doc.items]
    return {"id": f"file:{doc.source}", "rec": FILE, "source": doc.source, "sha256": doc.sha256,
            "meta": meta, "text": zlib.compress(doc.text.encode("utf-8"))}


def open_index(index_dir: Path, create: bool):
    if whoosh_index.exists_in(index_dir):
        return whoosh_index.open_dir(index_dir)
    if not create:
        raise SearchError(f"{index_dir}: no index here (build one with `python -m search index`)")
    index_dir.mkdir(parents=True, exist_ok=True)
    return whoosh_index.create_in(index_dir, build_schema())


def _indexed_files(ix) -> dict[str, dict]:
    """source → {"sha256", "ids"} of the files in the index."""
    with ix.searcher() as s:
        return {f["source"]: {"sha256": f["sha256"], "ids": [i["id"] for i in f["meta"]["items"]]}
                for f in s.documents(rec=FILE)}


def build_index(corpus: str | os.PathLike, index_dir: str | os.PathLike, rebuild: bool = False,
                progress: Callable[[int, int, str], None] | None = None,
                lock_wait: float = DEFAULT_LOCK_WAIT) -> IndexSummary:
    """Bring the index at `index_dir` up to date with the files under `corpus`."""
    started = time.monotonic()
    corpus, index_dir = Path(corpus), Path(index_dir)
    if not corpus.is_dir():
        raise SearchError(f"{corpus}: corpus folder not found")
    summary = IndexSummary()
    stamp_path = index_dir / STAMP
    stamp = analysis_stamp()
    ix = open_index(index_dir, create=True)
    if not rebuild:
        try:
            rebuild = json.loads(stamp_path.read_text(encoding="utf-8")) != stamp
        except (OSError, ValueError):
            rebuild = bool(_indexed_files(ix))  # an index built before stamps existed
    summary.rebuilt = rebuild
    before = {} if rebuild else _indexed_files(ix)

    paths, summary.failed = find_sources(corpus)
    summary.files_seen = len(paths)
    try:
        writer = ix.writer(timeout=lock_wait)
    except LockError:
        raise IndexLocked(f"{index_dir}: another indexing run is updating this index; "
                          f"waited {lock_wait:.0f} s — try again when it has finished") from None
    try:
        seen = set()
        for n, path in enumerate(paths, 1):
            source = source_name(path, corpus)
            seen.add(source)
            if progress:
                progress(n, len(paths), source)
            try:
                text, encoding, sha256 = read_source(path)
                if before.get(source, {}).get("sha256") == sha256:
                    summary.files_unchanged += 1
                    continue
                doc = parse_text(text, source, sha256=sha256, encoding=encoding)
            except SourceError as exc:
                summary.failed.append((source, exc.reason))
                continue
            _replace(writer, doc, before.get(source), summary)
        for source in sorted(set(before) - seen):
            writer.delete_by_term("source", source)
            summary.files_removed += 1
            summary.items_removed += len(before[source]["ids"])
        if rebuild:
            writer.commit(mergetype=CLEAR)
        elif summary.files_parsed or summary.files_removed:
            writer.commit()
        else:
            writer.cancel()
    except BaseException:
        writer.cancel()
        raise
    stamp_path.write_text(json.dumps(stamp), encoding="utf-8")
    summary.seconds = time.monotonic() - started
    return summary


def _replace(writer, doc: Document, old: dict | None, summary: IndexSummary) -> None:
    if old is not None:
        writer.delete_by_term("source", doc.source)
    new_ids = set()
    writer.add_document(**file_fields(doc))
    for item in doc.items:
        fields = item_fields(doc, item)
        new_ids.add(fields["id"])
        writer.add_document(**fields)
    old_ids = set(old["ids"]) if old else set()
    summary.files_parsed += 1
    summary.items_added += len(new_ids - old_ids)
    summary.items_updated += len(new_ids & old_ids)
    summary.items_removed += len(old_ids - new_ids)
