"""What every format reader returns, and the builder that writes its text and page map together.

A reader turns a file into the text the parser reads — one paragraph a line, paragraphs
apart by a blank line, "\\n" line ends — plus, for paged formats, where each page's text
lies in that text and the box of every text line. Building both at once is what keeps the
offsets true after the repairs (joined lines, dropped page numbers): nothing is ever
edited after it was placed.
"""
from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field

from search.errors import SourceError
from search.ingest.cleanup import clean_text
from search.model import Page

TEXT = "text"
PDF = "pdf"
DOCX = "docx"
HTML = "html"
DOC = "doc"
IMAGE = "image"
FORMATS = (TEXT, PDF, DOCX, HTML, DOC, IMAGE)


@dataclass
class Extract:
    text: str  # what the parser reads; "\n" line ends
    encoding: str  # the text's codec, or the format's name for a binary format
    sha256: str  # of the raw bytes: decides whether re-indexing is needed
    format: str  # one of FORMATS
    pages: list[Page] = field(default_factory=list)  # empty for unpaged formats
    meta: dict = field(default_factory=dict)  # the container's own title, date (ISO), author, site

    @property
    def ocr_confidence(self) -> float | None:
        """Mean word confidence over the OCR'd pages (weighted by their text); None: no OCR."""
        scanned = [p for p in self.pages if p.ocr and p.confidence is not None]
        if not scanned:
            return None
        weights = [max(1, p.end - p.start) for p in scanned]
        return round(sum(p.confidence * w for p, w in zip(scanned, weights)) / sum(weights), 1)


# What tools write into a file's title and author fields when nobody filled them in: the
# tool's default or the login of whoever typed it, never a headline or a byline.
_PLACEHOLDERS = {"anonymous", "unknown", "untitled", "administrator", "admin", "user", "author", "微软用户",
                 "python-docx", "microsoft word", "word"}


def given(value) -> str | None:
    """A container's title or author field, stripped; None when empty or a placeholder."""
    if not isinstance(value, str) or not value.strip() or value.strip().lower() in _PLACEHOLDERS:
        return None
    return value.strip()


def read_bytes(path, limit: int, what: str) -> bytes:
    """The whole file, or a SourceError that says why not; `what` names a typical file
    of the format for the too-large message."""
    try:
        info = os.stat(path)
        if stat.S_ISDIR(info.st_mode):
            raise SourceError(path, "is a directory, not a file")
        if not stat.S_ISREG(info.st_mode):  # a pipe would block, a device never end
            raise SourceError(path, "not a regular file (a pipe, device or socket)")
        if info.st_size > limit:
            raise SourceError(path, too_large(info.st_size, limit, what))
        with open(path, "rb") as fh:
            raw = fh.read(limit + 1)
    except FileNotFoundError:
        raise SourceError(path, "file not found (missing or removed while reading)") from None
    except IsADirectoryError:
        raise SourceError(path, "is a directory, not a file") from None
    except PermissionError:
        raise SourceError(path, "permission denied") from None
    except OSError as exc:
        raise SourceError(path, f"cannot read: {exc.strerror or exc}") from None
    if len(raw) > limit:  # it grew while we looked
        raise SourceError(path, too_large(len(raw), limit, what))
    return raw


def too_large(size: int, limit: int, what: str) -> str:
    return f"file too large ({size / 2**20:.1f} MB; the limit is {limit // 2**20} MB, and {what})"


class TextBuilder:
    """Accumulates paragraphs into the parser's text, recording line boxes and pages.

    A paragraph is written as one line: its physical lines are joined (without a space
    between two Han characters, with one between Latin words), and each physical line's
    box is kept with the offsets its characters got in the joined text.
    """

    def __init__(self):
        self._parts: list[str] = []
        self._length = 0
        self.pages: list[Page] = []
        self._open = False  # a paragraph is being written

    @property
    def offset(self) -> int:
        return self._length

    def _write(self, text: str) -> None:
        self._parts.append(text)
        self._length += len(text)

    def begin_page(self, number: int, width: float, height: float, label: str | None = None,
                   ocr: bool = False, confidence: float | None = None) -> Page:
        page = Page(number=number, width=round(width, 1), height=round(height, 1), start=self._length,
                    end=self._length, label=label, ocr=ocr, confidence=confidence)
        self.pages.append(page)
        return page

    def end_page(self) -> None:
        self.pages[-1].end = self._length

    def end_paragraph(self) -> None:
        self._open = False

    def add_line(self, text: str, box: tuple[float, float, float, float] | None = None,
                 new_paragraph: bool = False) -> None:
        """Append one physical line's text (already stripped) to the current paragraph,
        or start a new paragraph with it."""
        text = clean_text(text)  # before its offsets are taken
        if not text:
            return
        if self._open and not new_paragraph:
            previous = self._parts[-1][-1] if self._parts else ""
            if needs_space(previous, text[0]):
                self._write(" ")
        else:
            if self._length:
                self._write("\n\n")
            self._open = True
        start = self._length
        self._write(text)
        if box is not None and self.pages:
            x0, y0, x1, y1 = box
            self.pages[-1].lines.append((start, self._length, round(x0, 1), round(y0, 1),
                                         round(x1, 1), round(y1, 1)))

    def add_paragraph(self, text: str, box=None) -> None:
        self.add_line(text, box, new_paragraph=True)
        self.end_paragraph()

    def text(self) -> str:
        return "".join(self._parts) + ("\n" if self._length else "")


def is_han(ch: str) -> bool:
    """A CJK ideograph or CJK punctuation/full-width form: joined to its neighbour without a space."""
    code = ord(ch)
    return (0x2E80 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF or 0xFF00 <= code <= 0xFFEF
            or 0x20000 <= code <= 0x2FA1F or ch in "“”‘’—…·")


def needs_space(before: str, after: str) -> bool:
    """Does a line wrap between these characters stand for a space?  Only between two
    non-CJK characters (Latin words, numbers): Chinese is written without spaces."""
    if not before or not after or before.isspace() or after.isspace():
        return False
    if is_han(before) or is_han(after):
        return False
    return not (before == "-" and after.isalpha())
