"""Versions of one story (`search.reprints`) as the index stores them, and as a searcher
finds them by document number.

The indexer writes `versions-<generation>.npz` before committing that generation: every
item's id, its MinHash signature (kept so that an incremental run re-clusters without
re-reading unchanged files) and its story, the row of the story's first id. Ids, not
document numbers, because a commit renumbers documents; a searcher maps them onto its
generation's documents through the columns (source and ordinal give the id).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from search.reprints import SLOTS
from search.store import item_ids
from search.store.columns import Columns, load_for
from search.store.postings import live_documents

PREFIX = "versions-"


@dataclass
class Versions:
    ids: np.ndarray  # item ids, sorted
    signatures: np.ndarray  # (items, SLOTS) uint16
    signed: np.ndarray  # bool: has a signature (long enough a text)
    story: np.ndarray  # row of the story's first id; a row's own index when it stands alone

    @classmethod
    def empty(cls) -> "Versions":
        return cls(np.array([], dtype=str), np.zeros((0, SLOTS), dtype=np.uint16), np.zeros(0, dtype=bool),
                   np.zeros(0, dtype=np.int64))

    def save(self, path: Path) -> None:
        """Write atomically: a searcher never reads half a file."""
        tmp = path.with_name(path.stem + ".tmp.npz")
        np.savez_compressed(tmp, ids=self.ids, signatures=self.signatures, signed=self.signed, story=self.story)
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: Path) -> "Versions":
        with np.load(path) as data:
            return cls(data["ids"], data["signatures"], data["signed"], data["story"])


def path_for(index_dir: Path, generation: int) -> Path:
    return Path(index_dir) / f"{PREFIX}{generation}.npz"


def read_for(index_dir: Path, generation: int | None) -> Versions | None:
    """The versions written for `generation`, else the newest written before it (it names
    most of the same items), else None (also for an empty index: no generation)."""
    return _read_newest(index_dir, generation, Versions.load)


@dataclass
class ItemStories:
    """A versions file without its signatures (most of it), which only the indexer uses."""
    ids: np.ndarray  # item ids, sorted
    story: np.ndarray  # as `Versions.story`

    @classmethod
    def load(cls, path: Path) -> "ItemStories":
        with np.load(path) as data:  # reads only the members asked for
            return cls(data["ids"], data["story"])


def stories_for(index_dir: Path, generation: int | None) -> ItemStories | None:
    """The ids and stories of the versions `read_for` would read: what a searcher needs."""
    return _read_newest(index_dir, generation, ItemStories.load)


def _read_newest(index_dir: Path, generation: int | None, load):
    if generation is None:
        return None
    candidates = []
    for path in Path(index_dir).glob(f"{PREFIX}*.npz"):
        number = path.stem[len(PREFIX):]
        if number.isdigit() and int(number) <= generation:
            candidates.append((int(number), path))
    for _, path in sorted(candidates, reverse=True):
        try:
            return load(path)
        except Exception:  # damaged: it is only a side file; try an older one
            continue
    return None


def keep_only(index_dir: Path, generation: int) -> None:
    """Drop the files of other generations, once `generation` is committed."""
    for path in Path(index_dir).glob(f"{PREFIX}*"):
        if path.name != path_for(index_dir, generation).name:
            path.unlink(missing_ok=True)


DOC_STORIES_PREFIX = "stories-"


class DocStories:
    """Stories by document number for one generation: each document's story, and the
    documents of each story."""

    def __init__(self, story: np.ndarray):
        self.story = story  # dense: 0 … stories - 1
        self.size = np.bincount(self.story)
        self.members_order = np.argsort(self.story, kind="stable")
        self.starts = np.concatenate(([0], np.cumsum(self.size)))
        self.any_shared = bool((self.size > 1).any())

    @classmethod
    def build(cls, reader, index_dir: Path, columns: Columns) -> "DocStories":
        """From the generation's versions file, by item id (a second at 1 GB: the indexer
        saves them, see `save_for`)."""
        versions = stories_for(index_dir, reader.generation())
        versioned = len(versions.ids) if versions is not None else 0
        # A document in no story of several versions is a story of its own, labelled past
        # every row (an older generation's file may have more rows than there are documents).
        label = np.arange(versioned, versioned + columns.n, dtype=np.int64)
        if versioned:
            shared = np.bincount(versions.story, minlength=len(versions.ids)) > 1
            # A deleted document keeps its number (and its id) until a merge: live items only.
            docs = np.flatnonzero((columns.ordinals > 0) & live_documents(reader))
            ids = item_ids(columns.values["source"], columns.codes["source"][docs], columns.ordinals[docs])
            rows = np.minimum(np.searchsorted(versions.ids, ids), versioned - 1)  # the ids are sorted
            known = versions.ids[rows] == ids
            docs, story = docs[known], versions.story[rows[known]]
            label[docs[shared[story]]] = story[shared[story]]
        return cls(np.unique(label, return_inverse=True)[1])

    @classmethod
    def load_for(cls, reader, index_dir: Path, columns: Columns) -> "DocStories":
        """The stories of `reader`'s generation: saved by the indexer, else built now."""
        try:
            story = np.load(_doc_stories_path(index_dir, reader.generation()))
            if story.shape == (columns.n,):
                return cls(story)
        except Exception:  # missing, truncated, damaged: it is only a cache
            pass
        return cls.build(reader, index_dir, columns)

    def members(self, docnum: int) -> np.ndarray:
        """The documents of `docnum`'s story, `docnum` included, in document order."""
        s = self.story[docnum]
        return self.members_order[self.starts[s]:self.starts[s + 1]]

    def count(self, mask: np.ndarray) -> int:
        """How many stories the documents in `mask` tell."""
        if not self.any_shared:
            return int(np.count_nonzero(mask))
        stories = self.story[np.flatnonzero(mask)]  # faster than a boolean mask over many documents
        return int(np.count_nonzero(np.bincount(stories, minlength=len(self.size))))


def _doc_stories_path(index_dir: Path, generation: int) -> Path:
    return Path(index_dir) / f"{DOC_STORIES_PREFIX}{generation}.npy"


def save_for(reader, index_dir: Path, columns: Columns | None = None) -> None:
    """Save each document's story in `reader`'s generation, for its searchers to load, and
    drop those of older generations. `columns`: the generation's, when the caller has them
    (else they are loaded, only if the stories must be made)."""
    path = _doc_stories_path(index_dir, reader.generation())
    if not path.exists():
        if columns is None:
            columns = load_for(reader, index_dir)
        story = DocStories.build(reader, index_dir, columns).story
        tmp = path.with_name(path.stem + ".tmp.npy")
        np.save(tmp, story)
        os.replace(tmp, path)
    for old in Path(index_dir).glob(f"{DOC_STORIES_PREFIX}*.npy"):
        if old != path:
            old.unlink(missing_ok=True)
