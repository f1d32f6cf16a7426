"""Indexing tasks: each worker process reads, parses, enriches and indexes files into a
segment of its own; small jobs run in the indexer's own process.

A worker ends with the indexer, whatever it is doing: blocked on a results pipe that
nobody reads any more, or joining its queue's feeder thread at exit, it would never
notice otherwise, and it would keep the index lock it inherited (Whoosh's lock is a
`flock` on a file descriptor, which a forked child shares).
"""
from __future__ import annotations

import ctypes
import gc
import multiprocessing
import os
import queue
import signal
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from search import reprints
from search.errors import IndexUnwritable, SearchError, SourceError
from search.index.documents import index_documents, item_signatures
from search.index.segment import MERGE_FACTOR, SegmentBuilder, merge
from search.index.spool import Outcomes
from search.ingest import OcrOptions
from search.pipeline import read_document
from search.store import cache_dir, item_id, open_index


@dataclass(slots=True)
class FileOutcome:
    """What indexing one file came to: its item ids and hash, or the reason it failed (a
    worker's report; the indexer keeps it as `search.index.spool.Outcomes` do)."""
    source: str
    ids: list[str] = field(default_factory=list)
    signatures: np.ndarray | None = None  # a row per item: `search.reprints.signatures`
    signed: np.ndarray | None = None  # which rows have one
    sha256: str = ""
    error: str | None = None


@dataclass
class PageDone:
    """A worker's word that it has recognised another page of a scanned file."""
    source: str
    page: int
    pages: int


@dataclass
class WorkerFailed:
    """A worker's last message when it cannot go on: why, for the user."""
    reason: str


@dataclass
class FinishedSegments:
    """A worker's last message: the segments it wrote."""
    segments: list


FILES_PER_WORKER = 40  # text files: below this, starting a process costs more than it saves
# What a file costs beside a text file: a page image is OCR'd (a second a page), a PDF
# may be a scan; a worker is worth starting for one of them.
FILE_WEIGHTS = {".png": FILES_PER_WORKER, ".jpg": FILES_PER_WORKER, ".jpeg": FILES_PER_WORKER,
                ".tif": FILES_PER_WORKER, ".tiff": FILES_PER_WORKER, ".pdf": FILES_PER_WORKER // 4}


def run_tasks(index_dir: Path, corpus: Path, todo: list[str], outcomes: Outcomes, workers, progress,
              done: int, total: int, lock_fd: int | None = None) -> list:
    """Index the files `todo` (sources: paths in `corpus`) into new segments; → the
    segments. Each file's outcome is added to `outcomes` as it is reported.

    `lock_fd` is the descriptor of the index lock the caller holds: workers close their copy.
    """
    if not todo:
        return []
    workers = workers or os.cpu_count() or 1
    work = sum(FILE_WEIGHTS.get(os.path.splitext(source)[1].lower(), 1) for source in todo)
    workers = max(1, min(workers, work // FILES_PER_WORKER))
    if workers == 1:
        segments = Segments(index_dir)

        def on_page(page: PageDone) -> None:
            if progress:
                progress(done, total, _page_label(page))

        try:
            for source in todo:
                outcomes.add(segments.index_file(os.path.join(corpus, source), source,
                                                 _ocr_options(index_dir, source, on_page)))
                done += 1
                if progress:
                    progress(done, total, source)
        except BaseException:
            segments.discard()
            raise
        return segments.finish()

    reprints.prepare()  # the folding table, made once here and shared by the forked workers
    ctx = multiprocessing.get_context("fork")  # children share the loaded dictionary
    jobs, results = ctx.Queue(), ctx.Queue()
    # Jobs left unread when a run is aborted must not keep the indexer from exiting.
    jobs.cancel_join_thread()
    lifeline = os.pipe()
    procs = [ctx.Process(target=_worker, args=(index_dir, jobs, results, os.getpid(), lifeline, lock_fd),
                         daemon=True) for _ in range(workers)]
    try:
        # The indexer's objects (the list of files above all) are inherited, not needed: a
        # worker's collector would write to every one of them and so copy their pages.
        gc.freeze()
        try:
            for p in procs:
                p.start()
        finally:
            gc.unfreeze()
        for source in todo:
            jobs.put((os.path.join(corpus, source), source))
        for _ in procs:
            jobs.put(None)
        segments, finished = [], 0
        while finished < len(procs):
            try:
                message = results.get(timeout=5)
            except queue.Empty:
                if any(not p.is_alive() and p.exitcode != 0 for p in procs):
                    raise SearchError("an indexing worker died; the index is unchanged") from None
                continue
            if isinstance(message, WorkerFailed):
                raise SearchError(message.reason)
            if isinstance(message, FinishedSegments):
                segments += message.segments
                finished += 1
                continue
            if isinstance(message, PageDone):
                if progress:
                    progress(done, total, _page_label(message))
                continue
            outcomes.add(message)
            done += 1
            if progress:
                progress(done, total, message.source)
        for p in procs:
            p.join()
        return segments
    finally:
        for p in procs:
            if p.is_alive():
                p.terminate()
        for fd in lifeline:
            os.close(fd)


def _worker(index_dir: Path, jobs, results, parent: int, lifeline: tuple[int, int], lock_fd: int | None) -> None:
    _tie_to_parent(parent, lifeline, lock_fd)
    try:
        segments = Segments(index_dir)
        for path, source in iter(jobs.get, None):
            results.put(segments.index_file(path, source, _ocr_options(index_dir, source, results.put)))
        results.put(FinishedSegments(segments.finish()))
    except OSError as exc:  # reading a file fails as a SourceError: this is the index's folder
        results.put(WorkerFailed(str(IndexUnwritable(index_dir, exc))))
    except SearchError as exc:
        results.put(WorkerFailed(str(exc)))


PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _tie_to_parent(parent: int, lifeline: tuple[int, int], lock_fd: int | None) -> None:
    """Let this worker die with the indexer `parent`, and not hold its lock.

    On Linux the kernel kills the worker when the indexer dies (PR_SET_PDEATHSIG), even
    in the middle of C code. Everywhere, a thread waits on the `lifeline` pipe, whose
    write end only the indexer keeps: end of file means the indexer is gone.
    """
    read_end, write_end = lifeline
    os.close(write_end)
    if lock_fd is not None:
        os.close(lock_fd)  # close, never unlock: the indexer's lock is this same open file
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the indexer died before the line above
        os._exit(1)
    threading.Thread(target=_exit_on_eof, args=(read_end,), daemon=True).start()


def _exit_on_eof(fd: int) -> None:
    while os.read(fd, 1):  # nothing is ever written: this returns at end of file
        pass
    os._exit(1)  # nobody will commit this worker's segment; the next commit removes its files


# Postings a segment holds in memory before it is written: about 30 bytes each with their
# terms (see TermPool), so that a worker's own memory stays near 85 MB however large the
# corpus (measured at 50 MB: 157 MB with 4 million, 114 with 2, 83 with 1, the same
# processor time). A million is about 7 MB of briefings.
SEGMENT_POSTINGS = 1_000_000


class Segments:
    """The segments one task writes, each closed once it holds SEGMENT_POSTINGS postings,
    MERGE_FACTOR of one size merged into one (and so on up)."""

    def __init__(self, index_dir: Path):
        self._index_dir = index_dir
        self._current: SegmentBuilder | None = None
        self._sizes: list[list] = []  # the finished segments: [one segment's worth, MERGE_FACTOR's, …]

    def index_file(self, path: str, source: str, options: OcrOptions) -> FileOutcome:
        if self._current is None:
            self._current = SegmentBuilder(open_index(self._index_dir, create=True))
        outcome = _index_file(self._current, path, source, options)
        if self._current.postings >= SEGMENT_POSTINGS:
            self._close_current()
        return outcome

    def finish(self) -> list:
        """The finished segments, in the order of their documents (none when none was added)."""
        self._close_current()
        return [segment for same_size in reversed(self._sizes) for segment in same_size]

    def discard(self) -> None:
        # Finished segments' files stay until the next commit removes them, as a killed run's.
        if self._current is not None:
            self._current.discard()

    def _close_current(self) -> None:
        segment = self._current.finish() if self._current is not None else None
        self._current = None
        if segment is None:
            return
        for size, same_size in enumerate(self._sizes):
            same_size.append(segment)
            if len(same_size) < MERGE_FACTOR:
                return
            segment = merge(open_index(self._index_dir, create=True), same_size)
            self._sizes[size] = []
        self._sizes.append([segment])


def _page_label(page: PageDone) -> str:
    return f"{page.source} (OCR page {page.page}/{page.pages})"


def _ocr_options(index_dir: Path, source: str, tell) -> OcrOptions:
    """OCR cached in the index's cache folder; `tell(PageDone)` hears of each page recognised."""
    return OcrOptions(cache_dir=cache_dir(index_dir, "ocr"),
                      on_page=lambda done, pages: tell(PageDone(source, done, pages)))


def _index_file(segment: SegmentBuilder, path: str, source: str, options: OcrOptions) -> FileOutcome:
    """Add a file's record and items to `segment`.

    A failure to write the segment (a full disk) is not the file's: it propagates.
    """
    try:
        doc = read_document(path, source, options)
        documents = index_documents(doc)
    except SourceError as exc:
        return FileOutcome(source, error=exc.reason)
    except Exception as exc:  # a parser bug on one odd file must not stop the others
        return FileOutcome(source, error=f"internal error while parsing: {exc!r}")
    try:
        for fields in documents:
            segment.add_document(**fields)
    except OSError:
        raise
    except Exception as exc:
        return FileOutcome(source, error=f"internal error while indexing: {exc!r}")
    matrix, signed = item_signatures(doc)
    return FileOutcome(source, ids=[item_id(source, it.ordinal) for it in doc.items],
                       signatures=matrix, signed=signed, sha256=doc.sha256)
