"""Build and update the on-disk index from a folder of briefing files.

Incremental by default: a file whose content hash is unchanged is not parsed again,
a changed file's items are replaced, and the items of a file that is gone are removed.
All changes go into one Whoosh commit, which replaces the index's table of contents
atomically: a run that is interrupted or killed leaves the previous index as it was.
"""
from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import queue
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
from search.facets import save_for as save_columns
from search.model import Document
from search.parser import parse_text
from search.reader import read_source
from search.schema import FILE, ITEM, SCHEMA_VERSION, build_schema
from search.segment import Codec, SegmentBuilder  # noqa: F401 (Codec: older indexes' TOCs name it here)

SUFFIXES = (".txt", ".md")
STAMP = "analysis.json"  # which analysis built the index; another one means a rebuild
MANIFEST = "files.json"  # the indexed files' hashes, sizes, times and item ids
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


def read_stamp(index_dir: Path) -> dict | None:
    try:
        return json.loads((Path(index_dir) / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


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
    # Only what an item needs for display; the document's header is on its file record.
    meta = {"title": item.title, "ordinal": item.ordinal,
            "span": (item.span.start, item.span.end, item.span.line_start, item.span.line_end)}
    if item.subtitle:
        meta["subtitle"] = item.subtitle
    if item.toc_title != item.title:  # absent: the contents line reads as the title
        meta["toc_title"] = item.toc_title
    fields = {
        "id": item_id(doc.source, item.ordinal), "rec": ITEM, "source": doc.source,
        "title": "\n".join(t for t in (item.title, item.subtitle) if t),
        "body": item.body,
        "kind": item.kind, "ordinal": item.ordinal, "meta": meta,
        "group": item.group, "locality": item.locality, "issue": doc.issue_key,
        "year": str(doc.year) if doc.year is not None else None, "date": doc.date,
    }
    return {k: v for k, v in fields.items() if v is not None}


def file_fields(doc: Document) -> dict:
    meta = doc.to_json()
    del meta["sha256"]  # a field of its own
    meta["items"] = [{"id": item_id(doc.source, it.ordinal), "kind": it.kind, "title": it.title,
                      "ordinal": it.ordinal} for it in doc.items]
    return {"id": f"file:{doc.source}", "rec": FILE, "source": doc.source, "sha256": doc.sha256,
            "meta": meta, "text": pack_texts(doc.text, [it.body for it in doc.items])}


def index_documents(doc: Document) -> list[dict]:
    """The index documents of a parsed file: its record, then its items."""
    return [file_fields(doc)] + [item_fields(doc, item) for item in doc.items]


def pack_texts(text: str, bodies: list[str]) -> bytes:
    """The source text and the item bodies, compressed together.

    A body is mostly the source's own sentences, so in one zlib stream it costs next to
    nothing; compressed apart, the bodies would be the largest part of the index.
    Neither holds a NUL (the reader refuses such files), so NUL separates them.
    """
    return zlib.compress("\0".join([text] + bodies).encode("utf-8"))


def unpack_texts(blob: bytes) -> tuple[str, list[str]]:
    text, *bodies = zlib.decompress(blob).decode("utf-8").split("\0")
    return text, bodies


def open_index(index_dir: Path, create: bool | str):
    """The index at `index_dir`; for writing (`create`), with this code's schema.

    `create="afresh"` (a --rebuild) also replaces an index that cannot be read.

    A writer's commit records its schema, so after a schema change the next (full)
    build replaces the old schema along with the old segments, in the same commit.
    """
    try:
        if whoosh_index.exists_in(index_dir):
            return whoosh_index.open_dir(index_dir, schema=build_schema() if create else None)
    except Exception as exc:  # e.g. its schema names a class this version no longer has
        if create != "afresh":
            raise SearchError(f"{index_dir}: the index cannot be read ({type(exc).__name__}: {exc}); "
                              f"replace it with `python -m search index --rebuild`") from exc
    else:
        if not create:
            raise SearchError(f"{index_dir}: no index here (build one with `python -m search index`)")
    # A new index, or one past reading that --rebuild replaces: nothing readable is lost.
    index_dir.mkdir(parents=True, exist_ok=True)
    return whoosh_index.create_in(index_dir, build_schema())


def _indexed_files(ix) -> dict[str, dict]:
    """source → {"sha256", "ids"} of the files in the index, from their records."""
    with ix.searcher() as s:
        return {f["meta"]["source"]: {"sha256": f["sha256"], "ids": [i["id"] for i in f["meta"]["items"]]}
                for f in s.documents(rec=FILE)}


def build_index(corpus: str | os.PathLike, index_dir: str | os.PathLike, rebuild: bool = False,
                progress: Callable[[int, int, str], None] | None = None,
                lock_wait: float = DEFAULT_LOCK_WAIT, workers: int | None = None) -> IndexSummary:
    """Bring the index at `index_dir` up to date with the files under `corpus`.

    The lock is taken first, so a second indexer learns at once that it must wait.
    Files are read, parsed and indexed by worker processes, each into a segment of its
    own; the items of changed and removed files are deleted and the new segments joined
    in a single commit, or not at all.
    """
    started = time.monotonic()
    corpus, index_dir = Path(corpus), Path(index_dir)
    if not corpus.is_dir():
        raise SearchError(f"{corpus}: corpus folder not found")
    summary = IndexSummary()
    stamp = analysis_stamp()
    ix = open_index(index_dir, create="afresh" if rebuild else True)
    try:
        writer = ix.writer(timeout=lock_wait)
    except LockError:
        raise IndexLocked(f"{index_dir}: another indexing run is updating this index; "
                          f"waited {lock_wait:.0f} s — try again when it has finished") from None
    try:
        if not rebuild:
            rebuild = read_stamp(index_dir) != stamp and ix.doc_count_all() > 0
        summary.rebuilt = rebuild
        before = {} if rebuild else _known_files(ix, index_dir)
        paths, summary.failed = find_sources(corpus)
        summary.files_seen = len(paths)
        files, todo = _scan(paths, corpus, before)
        summary.files_unchanged = len(files)
        if progress:
            progress(summary.files_unchanged, len(paths), "")
        segments, outcomes = _run_tasks(index_dir, [(str(p), src) for p, src, _ in todo], workers,
                                        progress, done=summary.files_unchanged, total=len(paths))
        stats = {src: stat for _, src, stat in todo}
        for outcome in outcomes:
            source = outcome[1]
            if outcome[0] == "failed":
                summary.failed.append(outcome[1:])
                if source in before:  # it keeps its previous items: nothing is lost
                    files[source] = before[source]
                continue
            ids, sha256 = outcome[2], outcome[3]
            old_ids = set(before[source]["ids"]) if source in before else set()
            if source in before:
                writer.delete_by_term("source", source)
            files[source] = {"sha256": sha256, "stat": stats[source], "ids": ids}
            summary.files_parsed += 1
            summary.items_added += len(set(ids) - old_ids)
            summary.items_updated += len(set(ids) & old_ids)
            summary.items_removed += len(old_ids - set(ids))
        seen = set(files) | set(stats)  # every source found on disk, indexed or not
        for source in sorted(set(before) - seen):
            writer.delete_by_term("source", source)
            summary.files_removed += 1
            summary.items_removed += len(before[source]["ids"])
        if rebuild or summary.files_parsed or summary.files_removed:
            _commit(writer, segments, CLEAR if rebuild else None)
        else:
            writer.cancel()
    except BaseException:
        if not writer.is_closed:
            writer.cancel()
        raise
    save_columns(open_index(index_dir, create=False), index_dir)
    _write_json(index_dir / MANIFEST, {"generation": ix.latest_generation(), "files": files})
    _write_json(index_dir / STAMP, stamp)
    summary.failed.sort()
    summary.seconds = time.monotonic() - started
    return summary


def _known_files(ix, index_dir: Path) -> dict[str, dict]:
    """source → {"sha256", "stat", "ids"} of the indexed files.

    From the manifest written after the last run when it describes the index's current
    generation; otherwise (a run died between its commit and the manifest) from the
    index's own file records, which is slower and knows no file sizes or times.
    """
    try:
        manifest = json.loads((index_dir / MANIFEST).read_text(encoding="utf-8"))
        if manifest["generation"] == ix.latest_generation():
            return manifest["files"]
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return _indexed_files(ix)


def _scan(paths: list[Path], corpus: Path, before: dict) -> tuple[dict, list]:
    """Split the files into unchanged ones (→ their manifest entries) and ones to index.

    A file whose size and modification time are as recorded is not read again; one
    whose bytes hash as recorded is unchanged too (touched, copied back).
    """
    unchanged, todo = {}, []
    for path in paths:
        source = source_name(path, corpus)
        old = before.get(source)
        try:
            st = path.stat()
            stat = [st.st_size, st.st_mtime_ns]
        except OSError:
            stat = None  # the task reading it will say what is wrong
        if old is not None and stat is not None and (
                old.get("stat") == stat or _sha256(path) == old["sha256"]):
            unchanged[source] = dict(old, stat=stat)
        else:
            todo.append((path, source, stat))
    return unchanged, todo


def _sha256(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _write_json(path: Path, data) -> None:
    """Replace `path` atomically: a reader never sees half a file."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)


def _commit(writer, segments, mergetype) -> None:
    """Commit `writer`'s deletions together with the workers' finished segments.

    This is what Whoosh's own multiprocess writer does in `multisegment` mode, with
    workers we control (they stop when the indexer dies, instead of waiting forever).
    """
    final = writer._merge_segments(mergetype, None, None)
    if writer._added:  # the merge policy folded small segments into this writer
        final.append(writer._finalize_segment())
    else:
        writer._close_segment()
    writer._commit_toc(final + [s for s in segments if s is not None])
    writer._finish()


# -- indexing tasks (run in worker processes, or in this one for small jobs) -------------

FILES_PER_WORKER = 40  # below this, starting a process costs more than it saves


def _run_tasks(index_dir: Path, todo, workers, progress, done: int, total: int):
    """Index `todo` [(path, source)] into new segments; → (segments, outcomes)."""
    if not todo:
        return [], []
    workers = workers or os.cpu_count() or 1
    workers = max(1, min(workers, len(todo) // FILES_PER_WORKER))
    if workers == 1:
        segment = _new_segment(index_dir)
        outcomes = []
        try:
            for path, source in todo:
                outcomes.append(_index_file(segment, path, source))
                done += 1
                if progress:
                    progress(done, total, source)
        except BaseException:
            segment.discard()
            raise
        return [segment.finish()], outcomes

    ctx = multiprocessing.get_context("fork")  # children share the loaded dictionary
    jobs, results = ctx.Queue(), ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(index_dir, jobs, results), daemon=True)
             for _ in range(workers)]
    for p in procs:
        p.start()
    try:
        for job in todo:
            jobs.put(job)
        for _ in procs:
            jobs.put(None)
        outcomes, segments = [], []
        while len(segments) < len(procs):
            try:
                message = results.get(timeout=5)
            except queue.Empty:
                if any(not p.is_alive() and p.exitcode != 0 for p in procs):
                    raise SearchError("an indexing worker died; the index is unchanged") from None
                continue
            if message[0] == "segment":
                segments.append(message[1])
                continue
            outcomes.append(message)
            done += 1
            if progress:
                progress(done, total, message[1])
        for p in procs:
            p.join()
        return segments, outcomes
    finally:
        for p in procs:
            if p.is_alive():
                p.terminate()


def _worker(index_dir: Path, jobs, results) -> None:
    parent = os.getppid()
    segment = _new_segment(index_dir)
    while True:
        try:
            job = jobs.get(timeout=1.0)
        except queue.Empty:
            if os.getppid() != parent:  # the indexer is gone: nobody will commit this
                segment.discard()
                return
            continue
        if job is None:
            break
        results.put(_index_file(segment, *job))
    results.put(("segment", segment.finish()))


def _new_segment(index_dir: Path) -> SegmentBuilder:
    return SegmentBuilder(open_index(index_dir, create=True))


def _index_file(segment: SegmentBuilder, path: str, source: str) -> tuple:
    """Add a file's record and items to `segment`.

    → ("ok", source, item ids, sha256) or ("failed", source, reason).
    """
    try:
        text, encoding, sha256 = read_source(path)
        doc = parse_text(text, source, sha256=sha256, encoding=encoding)
        for fields in index_documents(doc):
            segment.add_document(**fields)
    except SourceError as exc:
        return ("failed", source, exc.reason)
    except Exception as exc:  # a parser bug on one odd file must not stop the others
        return ("failed", source, f"internal error while parsing: {exc!r}")
    return ("ok", source, [item_id(source, it.ordinal) for it in doc.items], sha256)
