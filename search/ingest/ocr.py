"""OCR with Debian's tesseract (chi_sim): scanned PDF pages and page images.

Recognised words come back with boxes; they are joined into lines (no space between two
Han characters, whatever tesseract put there), ASCII punctuation between Han characters
becomes the full-width mark the text uses, and stray marks of low confidence are dropped.
The lines then go through the same `layout` as a PDF's text layer.

Recognising a page takes about a second, so results are cached by the file's content hash
(and the OCR settings) in `OcrOptions.cache_dir`: an unchanged scan is never recognised
twice, not even by a `--rebuild`.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable

from search.errors import SourceError
from search.ingest.extract import IMAGE, Extract, TextBuilder, is_han, needs_space
from search.ingest.layout import PageLines, Paragrapher, TextLine

# chi_sim alone reads the Latin letters and digits of a briefing as well as with eng
# added, in about half the time.
LANGUAGES = "chi_sim"
DPI = 300  # what scans are rendered and read at; tesseract's own sweet spot
INSTALL = "apt-get install tesseract-ocr tesseract-ocr-chi-sim"
MAX_BYTES = 100 * 2**20
TYPICAL = "a scanned page is a few MB"
MAX_FRAMES = 300  # pages of a multi-page TIFF, as pdf.MAX_PAGES
# A page image is at least this many pixels on its shorter side (an A5 page at 100 dpi);
# anything smaller is an icon or a thumbnail, not a page to read.
MIN_PAGE_PIXELS = 580
MAX_PAGE_PIXELS = 60_000_000  # an A3 page at 600 dpi; beyond it Pillow's bomb guard would speak
# Recognised words below this confidence that are punctuation or symbols only are noise.
NOISE_CONFIDENCE = 60
_SYMBOLS_ONLY = re.compile(r"[\W_]+")
# ASCII marks tesseract reads where the print has the full-width form.
_FULL_WIDTH = {",": "，", ":": "：", ";": "；", "?": "？", "!": "！", "(": "（", ")": "）"}
_HAN_MARK = re.compile(r"(?<=[\u4e00-\u9fff])\s*([,:;?!()])\s*|\s*([,:;?!()])\s*(?=[\u4e00-\u9fff])")


@dataclass
class OcrOptions:
    cache_dir: Path | None = None  # where recognised pages are kept; None: no cache
    on_page: Callable[[int, int], None] | None = None  # (pages recognised, pages to recognise)


@lru_cache(maxsize=1)
def missing() -> str | None:
    """Why OCR cannot run here (None: it can)."""
    if shutil.which("tesseract") is None:
        return f"tesseract is not installed ({INSTALL})"
    try:
        langs = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True,
                               timeout=30).stdout.split()
    except (OSError, subprocess.SubprocessError):
        return f"tesseract does not run ({INSTALL})"
    if "chi_sim" not in langs:
        return f"tesseract has no Simplified Chinese data ({INSTALL})"
    return None


@lru_cache(maxsize=1)
def _settings_key() -> str:
    import pytesseract
    version = str(pytesseract.get_tesseract_version())
    return hashlib.sha256(f"{version}|{LANGUAGES}|{DPI}|2".encode()).hexdigest()[:12]


# ------------------------------------------------------------------------- recognition

def recognise(image, scale: float) -> tuple[list[TextLine], float | None]:
    """Lines (in points: pixels × `scale`) and mean word confidence of one page image."""
    import pytesseract
    # One thread per tesseract: the indexer already runs a worker per core, and
    # tesseract's own threads would only fight them.
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    data = pytesseract.image_to_data(image.convert("L"), lang=LANGUAGES, config="--psm 3",
                                     output_type=pytesseract.Output.DICT)
    rows: dict[tuple, list[int]] = {}
    for i, word in enumerate(data["text"]):
        if word.strip() and float(data["conf"][i]) >= 0:
            rows.setdefault((data["block_num"][i], data["par_num"][i], data["line_num"][i]), []).append(i)
    lines, confidences = [], []
    for indices in rows.values():
        words = []
        for i in indices:
            word, conf = data["text"][i].strip(), float(data["conf"][i])
            if conf < NOISE_CONFIDENCE and _SYMBOLS_ONLY.fullmatch(word) and not _is_cjk_mark(word):
                continue
            words.append(i)
            confidences.append(conf)
        if not words:
            continue
        text = ""
        for i in words:
            word = data["text"][i].strip()
            if text and needs_space(text[-1], word[0]):
                text += " "
            text += word
        text = _full_width(text)
        x0 = min(data["left"][i] for i in words)
        y0 = min(data["top"][i] for i in words)
        x1 = max(data["left"][i] + data["width"][i] for i in words)
        y1 = max(data["top"][i] + data["height"][i] for i in words)
        lines.append(TextLine(text, x0 * scale, y0 * scale, x1 * scale, y1 * scale, (y1 - y0) * scale))
    lines.sort(key=lambda ln: (ln.y0, ln.x0))
    confidence = round(sum(confidences) / len(confidences), 1) if confidences else None
    return lines, confidence


def _is_cjk_mark(word: str) -> bool:
    return all(is_han(ch) for ch in word)


def _full_width(text: str) -> str:
    # Only beside a Han character: "3.5", "Page 3: …" and English keep theirs.
    return _HAN_MARK.sub(lambda m: _FULL_WIDTH[m.group(1) or m.group(2)], text)


# ---------------------------------------------------------------------------- the cache

def _cache_file(options: OcrOptions, digest: str) -> Path | None:
    if options.cache_dir is None:
        return None
    return Path(options.cache_dir) / f"{digest}-{_settings_key()}.json"


def _load(options: OcrOptions, digest: str) -> dict:
    path = _cache_file(options, digest)
    if path is None:
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {int(k): (v["confidence"], [TextLine(*ln) for ln in v["lines"]]) for k, v in data.items()}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def _save(options: OcrOptions, digest: str, found: dict) -> None:
    path = _cache_file(options, digest)
    if path is None:
        return
    data = {str(k): {"confidence": conf, "lines": [[ln.text, ln.x0, ln.y0, ln.x1, ln.y1, ln.size] for ln in lines]}
            for k, (conf, lines) in found.items()}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass  # a cache that cannot be written only costs time


def _recognise_all(path, digest: str, options: OcrOptions, count: int, image_of) -> dict:
    """{page index: (confidence, lines)} for `count` pages, from the cache where it has them;
    `image_of(k)` renders the k-th page as (PIL image, points per pixel)."""
    found = _load(options, digest)
    todo = [k for k in range(count) if k not in found]
    if todo:
        reason = missing()
        if reason:
            raise SourceError(path, f"scanned pages need OCR, but {reason}")
    for done, k in enumerate(todo, 1):
        image, scale = image_of(k)
        lines, confidence = recognise(image, scale)
        found[k] = (confidence, lines)
        if options.on_page:
            options.on_page(done, len(todo))
    if todo:
        _save(options, digest, found)
    return found


# -------------------------------------------------------------------- PDF pages, images

def recognise_pdf_pages(path, pdf, pages: list[PageLines], scans: list[int], digest: str,
                        options: OcrOptions) -> None:
    """Fill in the lines of the PDF pages `scans` (indexes into `pages`) by OCR."""
    def image_of(k):
        page = pdf[scans[k]]
        try:
            return page.render(scale=DPI / 72).to_pil(), 72 / DPI
        finally:
            page.close()

    found = _recognise_all(path, digest, options, len(scans), image_of)
    for k, index in enumerate(scans):
        confidence, lines = found[k]
        page = pages[index]
        page.lines, page.ocr, page.confidence = lines, True, confidence


def read(path, raw: bytes, digest: str, options: OcrOptions) -> Extract:
    """A page image (PNG, JPEG, TIFF; a multi-page TIFF is several pages) read by OCR."""
    import io
    from PIL import Image, UnidentifiedImageError
    try:
        image = Image.open(io.BytesIO(raw))
        frames = getattr(image, "n_frames", 1)
        width, height = image.size
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise SourceError(path, f"not a readable image ({exc})") from None
    if min(width, height) < MIN_PAGE_PIXELS:
        raise SourceError(path, f"image of {width}×{height} pixels is too small to be a scanned page")
    if width * height > MAX_PAGE_PIXELS:
        raise SourceError(path, f"image of {width}×{height} pixels is too large for a scanned page")
    if frames > MAX_FRAMES:
        raise SourceError(path, f"image of {frames} pages; the limit is {MAX_FRAMES}")
    dpi = image.info.get("dpi", (DPI, DPI))[0] or DPI
    dpi = dpi if 50 <= dpi <= 1200 else DPI  # some tools write 1 or 72 for "unknown"
    scale = 72 / dpi

    def image_of(k):
        try:
            image.seek(k)
            return image.copy(), scale
        except (OSError, ValueError, EOFError) as exc:
            raise SourceError(path, f"damaged image (page {k + 1}: {exc})") from None

    found = _recognise_all(path, digest, options, frames, image_of)
    pages = []
    for k in range(frames):
        confidence, lines = found[k]
        image.seek(k)
        w, h = image.size
        pages.append(PageLines(k + 1, w * scale, h * scale, lines, ocr=True, confidence=confidence))
    builder = TextBuilder()
    Paragrapher(builder, size_tolerance=0.25).write(pages)
    text = builder.text()
    if not text.strip():
        raise SourceError(path, "no text found in the image (not a page of text?)")
    return Extract(text=text, encoding=IMAGE, sha256=digest, format=IMAGE, pages=builder.pages)
