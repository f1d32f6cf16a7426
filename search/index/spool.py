"""What indexing each file came to, held by the indexer from the workers' reports until
the commit: compactly, because a run may index a hundred thousand files while both
workers still need their memory.

As objects, a file's outcome took about 2 KB (its items' ids, their signatures, its
hash): 160 MB at 1 GB. Here the signatures (128 bytes an item) go to a temporary file
beside the index, unlinked from the start so that a killed run leaves nothing, and the
item ids are one string per file.
"""
from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

import numpy as np

from search.reprints import SLOTS

if TYPE_CHECKING:
    from search.index.workers import FileOutcome

_ID_SEPARATOR = "\n"  # never in an id (`search.store.item_id`)
_ROW_BYTES = SLOTS * np.dtype(np.uint16).itemsize
BATCH_ROWS = 65_536  # signatures read back at once: 8 MB


@dataclass(slots=True)
class IndexedFile:
    """One file's outcome: its item ids and hash, or the reason it failed."""
    source: str
    sha256: str
    error: str | None
    joined_ids: str

    @property
    def ids(self) -> list[str]:
        return self.joined_ids.split(_ID_SEPARATOR) if self.joined_ids else []


class Outcomes:
    """The outcomes of a run's files in the order they were reported, and the signatures
    of their items (rows in that order: failed files have none)."""

    def __init__(self, folder: Path):
        self.files: list[IndexedFile] = []
        self._folder = folder
        self._spool = None  # made with the first signatures
        self._signed = bytearray()  # a byte per row: has a signature

    def add(self, outcome: "FileOutcome") -> None:
        if outcome.error is None and outcome.ids:
            if self._spool is None:
                self._spool = tempfile.TemporaryFile(dir=self._folder, prefix=".signatures-")
            self._spool.write(np.ascontiguousarray(outcome.signatures, dtype=np.uint16).tobytes())
            self._signed += np.asarray(outcome.signed, dtype=bool).tobytes()
        self.files.append(IndexedFile(outcome.source, outcome.sha256, outcome.error,
                                      _ID_SEPARATOR.join(outcome.ids)))

    def batches(self) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """(ids, signatures, signed) of the items of the files indexed, BATCH_ROWS or so at a time."""
        if self._spool is None:
            return
        self._spool.flush()
        self._spool.seek(0)
        start, ids = 0, []
        for indexed in self.files:
            if indexed.error is None:
                ids += indexed.ids
            if len(ids) >= BATCH_ROWS:
                yield self._batch(start, ids)
                start, ids = start + len(ids), []
        if ids:
            yield self._batch(start, ids)

    def _batch(self, start: int, ids: list[str]):
        rows = np.frombuffer(self._spool.read(len(ids) * _ROW_BYTES), dtype=np.uint16).reshape(len(ids), SLOTS)
        signed = np.frombuffer(bytes(self._signed[start:start + len(ids)]), dtype=bool)
        return np.array(ids, dtype=str), rows, signed

    def close(self) -> None:
        """Throw the spool away. Flushing its last writes may fail on a full disk, which
        must not hide the run's own error: nothing in it is kept."""
        if self._spool is not None:
            try:
                self._spool.close()
            except OSError:
                pass
