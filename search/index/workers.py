"""Indexing tasks: each worker process reads, parses, enriches and indexes files into a
segment of its own; small jobs run in the indexer's own process."""
from __future__ import annotations

import multiprocessing
import os
import queue
from dataclasses import dataclass, field
from pathlib import Path

from search.errors import SearchError, SourceError
from search.index.documents import index_documents
from search.index.segment import SegmentBuilder
from search.pipeline import read_document
from search.store import item_id, open_index


@dataclass
class FileOutcome:
    """What indexing one file came to: its item ids and hash, or the reason it failed."""
    source: str
    ids: list[str] = field(default_factory=list)
    sha256: str = ""
    error: str | None = None


@dataclass
class FinishedSegment:
    """A worker's last message: the segment it wrote (None when it wrote nothing)."""
    segment: object



FILES_PER_WORKER = 40  # below this, starting a process costs more than it saves


def run_tasks(index_dir: Path, todo, workers, progress, done: int, total: int):
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
            if isinstance(message, FinishedSegment):
                segments.append(message.segment)
                continue
            outcomes.append(message)
            done += 1
            if progress:
                progress(done, total, message.source)
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
    results.put(FinishedSegment(segment.finish()))


def _new_segment(index_dir: Path) -> SegmentBuilder:
    return SegmentBuilder(open_index(index_dir, create=True))


def _index_file(segment: SegmentBuilder, path: str, source: str) -> FileOutcome:
    """Add a file's record and items to `segment`."""
    try:
        doc = read_document(path, source)
        for fields in index_documents(doc):
            segment.add_document(**fields)
    except SourceError as exc:
        return FileOutcome(source, error=exc.reason)
    except Exception as exc:  # a parser bug on one odd file must not stop the others
        return FileOutcome(source, error=f"internal error while parsing: {exc!r}")
    return FileOutcome(source, ids=[item_id(source, it.ordinal) for it in doc.items], sha256=doc.sha256)
