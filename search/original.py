"""The original files behind the index: found, checked, served and shown page by page.

Only files in the index are ever opened, named by their record (never by a path from a
request), in the corpus folder that the indexer recorded. Before a byte is served, the
file must still hash as it did when it was indexed, so that a page shown and the region
marked on it are always of the text that was indexed. Pages of PDFs and scans are
rendered once with pdfium into a cache inside the index folder, keyed by the file's
content hash: a changed file gets new images, and the old ones are dropped.
"""
from __future__ import annotations

import hashlib
import io
import logging
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from search.errors import NotFound, SearchError
from search.store import MANIFEST, page_images_dir, read_manifest

log = logging.getLogger(__name__)

# How each format of original is served: its content type, and whether a browser may show
# it itself (PDF viewer, image, plain text) or must download it (markup, Word). The format
# is what the indexer found the file to be, whatever its name says.
CONTENT_TYPES = {
    "pdf": ("application/pdf", True),
    "text": ("text/plain", True),
    "html": ("text/html", False),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", False),
    "doc": ("application/msword", False),
}
IMAGE_TYPES = {".png": ("image/png", True), ".jpg": ("image/jpeg", True), ".jpeg": ("image/jpeg", True),
               ".tif": ("image/tiff", False), ".tiff": ("image/tiff", False)}
OTHER_TYPE = ("application/octet-stream", False)
PAGED_FORMATS = ("pdf", "image")  # formats whose pages can be shown as images
_UNSAFE_IN_NAME = re.compile(r'[\x00-\x1f\x7f"\\;:<>|?*]')

PAGE_WIDTH_PX = 1240  # an A4 page at 150 dpi: sharp on a wide screen, ~150 KB as PNG
MAX_PAGE_PIXELS = 12_000_000  # a poster-sized page is scaled down to this
HASH_CHUNK = 1 << 20

# pdfium is not thread-safe: one page at a time per process.
_PDFIUM = threading.Lock()


class OriginalRemoved(NotFound):
    """The indexed file is no longer where it was indexed from."""


class OriginalChanged(SearchError):
    """The file is there, but its contents are not the ones indexed (a conflict)."""


class PageNotRendered(SearchError):
    """pdfium or Pillow could not draw a page of a file that was indexed from it."""


@dataclass(frozen=True)
class OpenedOriginal:
    """An indexed file, open and verified: serve `stream`, then close it."""
    stream: io.BufferedReader
    name: str  # the file's own name, for Content-Disposition
    content_type: str
    inline: bool


def content_type(source: str, fmt: str, encoding: str | None = None) -> tuple[str, bool]:
    """(Content-Type, shown inline) of an indexed file of format `fmt`."""
    if fmt == "image":
        ctype, inline = IMAGE_TYPES.get(PurePosixPath(source).suffix.lower(), OTHER_TYPE)
    else:
        ctype, inline = CONTENT_TYPES.get(fmt, OTHER_TYPE)
    if ctype.startswith("text/"):
        ctype += f"; charset={_charset(encoding)}"
    return ctype, inline


def download_name(source: str) -> str:
    """The file's name for Content-Disposition, without the characters that would end a
    header parameter or mean something to a file system (quotes, ;, \\, <, >, controls)."""
    return _UNSAFE_IN_NAME.sub("_", PurePosixPath(source).name)


def _charset(encoding: str | None) -> str:
    # The reader's codec names; a BOM-aware codec is the charset without its BOM.
    return (encoding or "utf-8").lower().removesuffix("-sig")


class Originals:
    """The originals of one index folder: opening, checking and page images."""

    def __init__(self, index_dir: Path):
        self.index_dir = Path(index_dir)
        self._hashes: dict[str, tuple[tuple, str]] = {}  # path → (stat key, sha256)
        self._corpus: tuple | None = None  # (the manifest's stat, the corpus folder it records)
        self._lock = threading.Lock()

    # -- finding and checking ------------------------------------------------------

    def corpus(self) -> Path:
        """The corpus folder the index was built from, as the indexer recorded it."""
        try:
            st = (self.index_dir / MANIFEST).stat()
            stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
        except OSError:
            stamp = None
        if self._corpus is None or self._corpus[0] != stamp:  # the manifest is rewritten by every run
            self._corpus = (stamp, (read_manifest(self.index_dir) or {}).get("corpus"))
        folder = self._corpus[1]
        if not isinstance(folder, str) or not folder:
            raise OriginalRemoved("索引没有记录原件所在的文件夹：请重新运行 python -m search index / "
                                  "the index does not record its corpus folder; run the indexer again")
        return Path(folder)

    def path(self, source: str) -> Path:
        """Where the indexed file `source` lives. Sources come from the index, never from a
        request; still, one that could leave the corpus folder is refused."""
        parts = PurePosixPath(source).parts
        if not parts or PurePosixPath(source).is_absolute() or ".." in parts:
            raise OriginalRemoved(f"{source}: not a file of the corpus")
        return self.corpus().joinpath(*parts)

    def open(self, source: str, sha256: str, fmt: str, encoding: str | None = None) -> OpenedOriginal:
        """The indexed file, open, after checking it still has the indexed contents."""
        stream = self._open_checked(source, sha256)
        return OpenedOriginal(stream, download_name(source), *content_type(source, fmt, encoding))

    def _open_checked(self, source: str, sha256: str):
        path = self.path(source)
        try:
            stream = open(path, "rb")
        except FileNotFoundError:
            raise OriginalRemoved(f"原件已移动或删除：{source} / the original was moved or removed since "
                                  f"it was indexed") from None
        except OSError as exc:
            raise OriginalRemoved(f"原件无法打开：{source}（{exc.strerror}）/ the original cannot be opened") from None
        try:
            if self._sha256(path, stream) != sha256:
                raise OriginalChanged(f"原件在建立索引后已被修改：{source}。重新运行 python -m search index "
                                      f"更新索引后即可查看 / the original changed since it was indexed")
        except BaseException:
            stream.close()
            raise
        stream.seek(0)
        return stream

    def _sha256(self, path: Path, stream) -> str:
        """The hash of the open file; remembered while its size, time and inode stay."""
        st = os.fstat(stream.fileno())
        key = (st.st_size, st.st_mtime_ns, st.st_ino, st.st_dev)
        known = self._hashes.get(str(path))
        if known and known[0] == key:
            return known[1]
        digest = hashlib.sha256()
        while chunk := stream.read(HASH_CHUNK):
            digest.update(chunk)
        with self._lock:
            self._hashes[str(path)] = (key, digest.hexdigest())
        return digest.hexdigest()

    # -- page images ---------------------------------------------------------------

    def page_image(self, source: str, sha256: str, fmt: str, number: int) -> bytes:
        """Page `number` (1-based) of the indexed file as PNG, rendered on first use.

        A cached image is of the indexed contents by its key, so it is served even when
        the file has changed since; rendering needs the file as it was indexed.
        """
        if fmt not in PAGED_FORMATS:
            raise NotFound(f"{source}: a {fmt} file has no pages to show")
        folder = page_images_dir(self.index_dir, source)
        cached = folder / f"{sha256[:16]}-{number}.png"
        try:
            return cached.read_bytes()
        except OSError:
            pass
        with self._open_checked(source, sha256) as stream:
            try:
                png = render_page(stream, fmt, number)
            except NotFound:
                raise
            except Exception as exc:  # pdfium and Pillow have errors of their own
                raise PageNotRendered(f"{source}: page {number} cannot be drawn "
                                      f"({type(exc).__name__}: {exc})") from exc
        self._store(folder, cached, png, sha256)
        return png

    def _store(self, folder: Path, cached: Path, png: bytes, sha256: str) -> None:
        """Keep the image for next time, and drop the images of the file's older contents.
        An index folder that cannot be written (read-only) only costs the caching."""
        try:
            folder.mkdir(parents=True, exist_ok=True)
            tmp = folder / f".{cached.name}.{os.getpid()}.{threading.get_ident()}.tmp"
            tmp.write_bytes(png)
            os.replace(tmp, cached)
            for old in folder.glob("*.png"):
                if not old.name.startswith(sha256[:16]):
                    old.unlink(missing_ok=True)
        except OSError as exc:
            log.warning("page image not cached (%s): %s", cached, exc)


def render_page(stream, fmt: str, number: int) -> bytes:
    """Page `number` of a PDF (pdfium) or a page image (Pillow) as PNG bytes."""
    from PIL import Image

    if fmt == "pdf":
        import pypdfium2 as pdfium

        with _PDFIUM:
            pdf = pdfium.PdfDocument(stream)
            try:
                if not 1 <= number <= len(pdf):
                    raise NotFound(f"the original has no page {number}")
                page = pdf[number - 1]
                width, height = page.get_size()
                scale = min(PAGE_WIDTH_PX / width, (MAX_PAGE_PIXELS / (width * height)) ** 0.5)
                image = page.render(scale=scale).to_pil()
                page.close()
            finally:
                pdf.close()
    else:
        image = Image.open(stream)
        try:
            image.seek(number - 1)  # a multi-page TIFF
        except EOFError:
            raise NotFound(f"the original has no page {number}") from None
        image = image.convert("RGB")
        if image.width * image.height > MAX_PAGE_PIXELS or image.width > 2 * PAGE_WIDTH_PX:
            image.thumbnail((2 * PAGE_WIDTH_PX, MAX_PAGE_PIXELS // PAGE_WIDTH_PX))
    out = io.BytesIO()
    image.convert("RGB").save(out, format="PNG", compress_level=6)
    return out.getvalue()
