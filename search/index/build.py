"""Build and update the on-disk index from a folder of briefing files.

Incremental by default: a file whose content hash is unchanged is not parsed again,
a changed file's items are replaced, and the items of a file that is gone are removed.
All changes go into one Whoosh commit, which replaces the index's table of contents
atomically: a run that is interrupted or killed leaves the previous index as it was.
"""
from __future__ import annotations

import hashlib
import os
import time
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from whoosh.index import LockError

import numpy as np

from search.errors import IndexUnwritable, SearchError
from search.index.segment import cancel, commit, lock_descriptor
from search.index.spool import Outcomes
from search.ingest import SUFFIXES
from search.index.workers import run_tasks
from search.reprints import SLOTS, signatures, stories
from search.store import (MANIFEST, STAMP, analysis_stamp, file_id, index_exists, open_index, prune_page_images,
                          read_manifest, read_stamp, stamp_change, unpack_texts, write_json)
from search.store import versions as versions_store
from search.store.columns import save_for as save_columns
from search.store.schema import FILE

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
    rebuild_reason: str | None = None  # why a run that was not asked to rebuild did
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failed

    def lines(self) -> list[str]:
        out = [f"rebuilding the whole index: {self.rebuild_reason}"] if self.rebuild_reason else []
        out += [f"files: {self.files_seen} seen, {self.files_parsed} parsed, "
               f"{self.files_unchanged} unchanged, {self.files_removed} removed, "
               f"{len(self.failed)} failed",
               f"items: {self.items_added} added, {self.items_updated} updated, "
               f"{self.items_removed} removed" + (" (full rebuild)" if self.rebuilt else ""),
               f"time: {self.seconds:.2f} s"]
        out += [f"skipped {source}: {reason}" for source, reason in self.failed]
        return out


def find_sources(corpus: Path) -> tuple[list[str], list[tuple[str, str]]]:
    """The source names (paths relative to `corpus`, with `/`) of the briefing files under
    it, sorted; unreadable folders are reported, not fatal.

    Names, not `Path` objects: the indexer's worker processes inherit this list, and at a
    hundred thousand files Path objects took 60 MB in each of them.
    """
    found, problems = [], []

    def onerror(exc: OSError):
        problems.append((os.path.relpath(exc.filename or str(corpus), corpus), exc.strerror or str(exc)))

    # followlinks=False: a symlink loop cannot trap the walk.
    for folder, dirs, files in os.walk(corpus, onerror=onerror, followlinks=False):
        pages = {name.rsplit(".", 1)[0] for name in files if name.lower().endswith((".html", ".htm"))}
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and not _page_assets(d, pages))
        inside = os.path.relpath(folder, corpus).replace(os.sep, "/")
        prefix = "" if inside == "." else inside + "/"
        for name in sorted(files):
            if not name.startswith(".") and name.lower().endswith(SUFFIXES):
                found.append(prefix + name)
    return found, problems


def _page_assets(folder: str, pages: set[str]) -> bool:
    """Is `folder` the assets a browser saved beside a web page (`story_files/` beside
    `story.html`)? Its frames and snippets are parts of that page, not documents."""
    stem, _, tail = folder.rpartition("_")
    return tail == "files" and stem in pages or folder.endswith(".files") and folder[:-6] in pages


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
    if not rebuild and index_exists(index_dir):
        # Before Whoosh opens it: an index of another schema may not even unpickle.
        summary.rebuild_reason = stamp_change(read_stamp(index_dir), stamp)
        rebuild = summary.rebuild_reason is not None
    try:
        ix = open_index(index_dir, create="afresh" if rebuild else True)
        writer = ix.writer(timeout=lock_wait)
    except LockError:
        raise IndexLocked(f"{index_dir}: another indexing run is updating this index; "
                          f"waited {lock_wait:.0f} s — try again when it has finished") from None
    except OSError as exc:  # a read-only or full disk, a folder that is not ours
        raise IndexUnwritable(index_dir, exc) from None
    outcomes = Outcomes(index_dir)
    try:
        summary.rebuilt = rebuild
        before = {} if rebuild else _known_files(ix, index_dir)
        sources, summary.failed = find_sources(corpus)
        summary.files_seen = len(sources)
        files, todo, stats = _scan(sources, corpus, before)
        del sources
        summary.files_unchanged = len(files)
        if progress:
            progress(summary.files_unchanged, summary.files_seen, "")
        segments = run_tasks(index_dir, corpus, todo, outcomes, workers, progress,
                             done=summary.files_unchanged, total=summary.files_seen,
                             lock_fd=lock_descriptor(writer))
        stat_of = dict(zip(todo, stats.tolist()))
        for outcome in outcomes.files:
            source = outcome.source
            if outcome.error is not None:
                summary.failed.append((source, outcome.error))
                if source in before:  # it keeps its previous items: nothing is lost
                    files[source] = before[source]
                continue
            ids, sha256 = outcome.ids, outcome.sha256
            old_ids = set(before[source]["ids"]) if source in before else set()
            if source in before:
                writer.delete_by_term("source", source)
            stat = stat_of[source]
            files[source] = {"sha256": sha256, "stat": stat if stat[0] >= 0 else None, "ids": ids}
            summary.files_parsed += 1
            summary.items_added += len(set(ids) - old_ids)
            summary.items_updated += len(set(ids) & old_ids)
            summary.items_removed += len(old_ids - set(ids))
        seen = set(files) | set(todo)  # every source found on disk, indexed or not
        for source in sorted(set(before) - seen):
            writer.delete_by_term("source", source)
            summary.files_removed += 1
            summary.items_removed += len(before[source]["ids"])
        generation = ix.latest_generation()
        if rebuild or summary.files_parsed or summary.files_removed:
            # Written before the commit, so that a searcher of the new generation finds them.
            _versions(ix, files, outcomes, versions_store.read_for(index_dir, generation)).save(
                versions_store.path_for(index_dir, writer.generation))
            commit(ix, writer, segments, rebuild)
            generation = writer.generation
        else:
            writer.cancel()
            if not versions_store.path_for(index_dir, generation).exists():  # lost, or an older index
                _versions(ix, files, None, versions_store.read_for(index_dir, generation)).save(
                    versions_store.path_for(index_dir, generation))
    except BaseException as exc:
        if not writer.is_closed:
            cancel(writer)
        if isinstance(exc, OSError):  # before the commit, or in it: its table of contents is written last
            raise IndexUnwritable(index_dir, exc) from None
        raise
    finally:
        outcomes.close()
    try:
        versions_store.keep_only(index_dir, generation)
        with open_index(index_dir, create=False).reader() as reader:
            versions_store.save_for(reader, index_dir, save_columns(reader, index_dir))
        # The corpus folder too: the searcher serves the originals from it.
        write_json(index_dir / MANIFEST, {"generation": ix.latest_generation(),
                                          "corpus": str(corpus.resolve()), "files": files})
        write_json(index_dir / STAMP, stamp)
        prune_page_images(index_dir, files)
    except OSError as exc:  # the index is committed; searchers do without these side files
        raise SearchError(f"{index_dir}: the index is updated, but its side files could not be written "
                          f"({exc.strerror or exc}); run the indexer again when that is fixed") from None
    summary.failed.sort()
    summary.seconds = time.monotonic() - started
    return summary


def _versions(ix, files: dict, fresh: Outcomes | None, previous) -> versions_store.Versions:
    """Every item's signature and story in the generation about to be committed.

    Signatures of the files parsed now (`fresh`, their outcomes) come from the workers,
    the others from the previous generation's versions; an item in neither (the file was
    lost, or the index is older than versions) is signed again from its text in the index.
    All items are clustered again, so that a new repost joins its story and a removed file
    leaves it. Arrays throughout, matched by id with binary search: at a million items
    that is tens of megabytes, where an object per item took a gigabyte.
    """
    ids = np.array(sorted(i for entry in files.values() for i in entry["ids"]), dtype=str)
    if not len(ids):
        return versions_store.Versions.empty()
    table = _SignatureTable(ids)
    if previous is not None:
        table.fill(previous.ids, previous.signatures, previous.signed)
    for batch in fresh.batches() if fresh is not None else ():
        table.fill(*batch)
    if not table.known.all():
        missing = set(ids[~table.known].tolist())
        for found in _signatures_in_index(ix, [s for s, e in files.items() if any(i in missing for i in e["ids"])]):
            table.fill(*found)
    return versions_store.Versions(ids, table.signatures, table.signed, stories(table.signatures, table.signed))


class _SignatureTable:
    """Signatures by row of `ids` (sorted), filled from other (ids, signatures, signed)."""

    def __init__(self, ids: np.ndarray):
        self.ids = ids
        self.signatures = np.zeros((len(ids), SLOTS), dtype=np.uint16)
        self.signed = np.zeros(len(ids), dtype=bool)
        self.known = np.zeros(len(ids), dtype=bool)  # filled, with a signature or without one

    def fill(self, ids: np.ndarray, signatures: np.ndarray, signed: np.ndarray) -> None:
        """Take the rows of `ids` that are among this table's; later fills win."""
        if not len(ids):
            return
        rows = np.minimum(np.searchsorted(self.ids, ids), len(self.ids) - 1)
        here = self.ids[rows] == ids
        rows = rows[here]
        self.signatures[rows], self.signed[rows], self.known[rows] = signatures[here], signed[here], True


def _signatures_in_index(ix, sources: list[str]):
    """(ids, signatures, signed) of each of `sources`, from the titles and bodies the index holds."""
    with ix.searcher() as s:
        for source in sources:
            docnum = s.document_number(id=file_id(source))
            if docnum is None:
                continue
            record = s.stored_fields(docnum)
            _, bodies = unpack_texts(record["text"])
            entries = record["meta"]["items"]
            yield (np.array([entry["id"] for entry in entries], dtype=str),
                   *signatures((entry["title"], body) for entry, body in zip(entries, bodies)))


def _known_files(ix, index_dir: Path) -> dict[str, dict]:
    """source → {"sha256", "stat", "ids"} of the indexed files.

    From the manifest written after the last run when it describes the index's current
    generation; otherwise (a run died between its commit and the manifest) from the
    index's own file records, which is slower and knows no file sizes or times.
    """
    manifest = read_manifest(index_dir) or {}
    if manifest.get("generation") == ix.latest_generation() and isinstance(manifest.get("files"), dict):
        return manifest["files"]
    return _indexed_files(ix)


def _scan(sources: list[str], corpus: Path, before: dict) -> tuple[dict, list[str], np.ndarray]:
    """Split the files into unchanged ones (→ their manifest entries) and ones to index
    (→ their sources, and a row of [size, modification time] for each, -1s when unknown:
    one array, not an object per file, since the workers inherit it).

    A file whose size and modification time are as recorded is not read again; one
    whose bytes hash as recorded is unchanged too (touched, copied back).
    """
    unchanged, todo, stats = {}, [], array("q")
    for source in sources:
        path = os.path.join(corpus, source)
        old = before.get(source)
        try:
            st = os.stat(path)
            stat = [st.st_size, st.st_mtime_ns]
        except OSError:
            stat = None  # the task reading it will say what is wrong
        if old is not None and stat is not None and (
                old.get("stat") == stat or _sha256(path) == old["sha256"]):
            unchanged[source] = dict(old, stat=stat)
        else:
            todo.append(source)
            stats.extend(stat or (-1, -1))
    return unchanged, todo, np.frombuffer(stats, dtype=np.int64).reshape(-1, 2)


def _sha256(path: str) -> str | None:
    try:
        with open(path, "rb") as f:
            return hashlib.sha256(f.read()).hexdigest()
    except OSError:
        return None


