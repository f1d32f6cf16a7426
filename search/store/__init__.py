"""Store: the index's on-disk format, shared by the indexer (which writes it) and the searcher.

An index folder holds Whoosh's segments and table of contents, and beside them small side
files: the stamp of the analysis that built it, the manifest of indexed files, and the
value columns of each generation (`search.store.columns`). Item ids and the packing of a
file's texts are defined here too, so that both sides agree on them.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import zlib
from importlib import resources
from pathlib import Path

import numpy as np
from whoosh import index as whoosh_index

from search.analysis import USERDICT
from search.enrich import DATA_FILE as GROUPS_FILE
from search.errors import SearchError
from search.store.schema import SCHEMA_VERSION, build_schema
from search.vocabulary import FACET_NAMES, FILE_ID_PREFIX

STAMP = "analysis.json"  # which analysis built the index; another one means a rebuild
MANIFEST = "files.json"  # the corpus folder, and the indexed files' hashes, sizes, times and item ids


def file_key(source: str) -> str:
    """A file's id in addresses (its original, its page images; its items' ids begin with
    it): derived from its path, which never appears in an address."""
    return hashlib.blake2b(source.encode("utf-8"), digest_size=5).hexdigest()


CACHE = "cache"  # work kept across runs, --rebuild included: OCR results, page images
PAGE_IMAGES = "pages"  # the cache of the originals' rendered pages: a folder per file key


def cache_dir(index_dir: Path, kind: str) -> Path:
    """The folder, inside the index folder, where work of `kind` ("ocr", …) is kept."""
    return Path(index_dir) / CACHE / kind


def page_images_dir(index_dir: Path, source: str) -> Path:
    """Where the searcher keeps the rendered pages of the indexed file `source`."""
    return cache_dir(index_dir, PAGE_IMAGES) / file_key(source)


def prune_page_images(index_dir: Path, sources) -> None:
    """Drop the rendered pages of files that are no longer indexed (`sources` are)."""
    keep = {file_key(source) for source in sources}
    folder = cache_dir(index_dir, PAGE_IMAGES)
    try:
        gone = [d for d in folder.iterdir() if d.name not in keep]
    except OSError:
        return  # nothing rendered yet
    for d in gone:
        shutil.rmtree(d, ignore_errors=True)


def item_id(source: str, ordinal: int) -> str:
    """Stable across re-indexing: derived from the file's path and the item's place in it."""
    return file_key(source) + _ordinal_suffix(ordinal)


def item_ids(sources: list[str], codes: np.ndarray, ordinals: np.ndarray) -> np.ndarray:
    """`item_id` of many items at once, as a string array: each item's source as its code
    into `sources`, and its ordinal. A file key and a suffix are made once each."""
    keys = np.array([file_key(source) for source in sources], dtype=str)
    places, place_at = np.unique(ordinals, return_inverse=True)
    suffixes = np.array([_ordinal_suffix(o) for o in places.tolist()], dtype=str)
    return np.strings.add(keys[codes], suffixes[place_at])


def _ordinal_suffix(ordinal: int) -> str:
    return f"-{ordinal:02d}"


def read_manifest(index_dir: Path) -> dict | None:
    try:
        manifest = json.loads((Path(index_dir) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) else None


def file_id(source: str) -> str:
    """The id of a file's record: the file record prefix, then the source name."""
    return f"{FILE_ID_PREFIX}{source}"


# What a searcher must agree on with the index: the tokens and the facet columns. The groups
# data only decides stored values, so an index made with older groups data is still searched.
TOKEN_STAMP = ("schema", "userdict", "facets")


def analysis_stamp() -> dict:
    """Fingerprint of everything the index's contents depend on: the schema and its facet
    columns, the domain dictionary (the tokens) and the groups data (each item's group and place)."""
    userdict = resources.files("search.data").joinpath(USERDICT).read_bytes()
    return {"schema": SCHEMA_VERSION, "facets": list(FACET_NAMES),
            "userdict": hashlib.sha256(userdict).hexdigest(),
            "groups": hashlib.sha256(GROUPS_FILE.read_bytes()).hexdigest()}


def stamp_change(old: dict | None, new: dict, keys=None) -> str | None:
    """Why an index stamped `old` is not what `new` would build (None: it is), in words."""
    keys = keys or tuple(new)
    if not isinstance(old, dict) or "schema" not in old:
        return "the index has no readable stamp (its last run was cut short?)"
    if old.get("schema") != new["schema"]:
        return f"the index was made by another version (schema {old.get('schema')}, now {new['schema']})"
    changed = [k for k in keys if old.get(k) != new[k]]
    names = {"userdict": f"the domain dictionary ({USERDICT})", "groups": f"the groups data ({GROUPS_FILE.name})",
             "facets": "the facets (search/vocabulary.py)"}
    return " and ".join(names.get(k, k) for k in changed) + " changed" if changed else None


def read_stamp(index_dir: Path) -> dict | None:
    try:
        return json.loads((Path(index_dir) / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


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


_PAGE_FIELDS = ("number", "label", "width", "height", "start", "end", "ocr", "confidence")


def pack_pages(pages: list[dict]) -> bytes:
    """A file's pages (`Page`s as JSON) with their line boxes, as one compressed string: a
    record whose pages are not wanted (the issue list reads every record) unpickles in
    well under a microsecond instead of ~40 µs for a five-page PDF's boxes as dicts."""
    rows = [[page[k] for k in _PAGE_FIELDS] + [[v for line in page["lines"] for v in line]] for page in pages]
    return zlib.compress(json.dumps(rows, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))


def unpack_pages(blob: bytes | None) -> list[dict]:
    pages = []
    for *values, flat in json.loads(zlib.decompress(blob)) if blob else ():
        page = dict(zip(_PAGE_FIELDS, values))
        page["lines"] = [flat[i:i + 6] for i in range(0, len(flat), 6)]
        pages.append(page)
    return pages


def index_exists(index_dir: Path) -> bool:
    """Is there an index at `index_dir`? Without opening it: Whoosh's own `exists_in`
    unpickles the table of contents, which may name classes of another version."""
    return any(Path(index_dir).glob("_MAIN_*.toc"))


def open_index(index_dir: Path, create: bool | str):
    """The index at `index_dir`; for writing (`create`), with this code's schema.

    `create="afresh"` (a --rebuild) also replaces an index that cannot be read.

    A writer's commit records its schema, so after a schema change the next (full)
    build replaces the old schema along with the old segments, in the same commit.
    """
    try:
        if index_exists(index_dir):
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


def write_json(path: Path, data) -> None:
    """Replace `path` atomically: a reader never sees half a file."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)


