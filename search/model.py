"""The document model shared by the parser, the indexer, the searcher and the web app.

A source file becomes one `Document`; its articles and 动态 news items are `Item`s in
reading order. Offsets are character offsets into `Document.text` (the decoded source,
line ends normalised to "\\n"), so the UI can mark an item's span in the original file.
A paged source (PDF, page images) also keeps its `Page`s: where each page's text lies in
`Document.text` and the box of every text line on it, so a span maps to page regions.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class Span:
    start: int  # first character of the item in Document.text
    end: int  # one past its last character
    line_start: int  # 1-based line numbers, inclusive
    line_end: int


@dataclass
class Item:
    kind: str  # search.vocabulary.KINDS
    title: str
    body: str
    ordinal: int  # 1-based position in the document's reading order
    span: Span
    toc_title: str | None = None
    subtitle: str | None = None
    group: str | None = None
    locality: str | None = None
    byline: str | None = None  # who wrote it (通讯员 … 记者 …), where the text says
    title_derived: bool = False  # the text has no headline: the title is its lead sentence
    pages: tuple[int, int] | None = None  # first and last page of the original (PDF or scan)
    ocr_confidence: float | None = None  # mean OCR confidence (0–100) when its text is OCR'd


# A text line on a page: (start, end) offsets into Document.text and its box
# (x0, y0, x1, y1) in PDF points, origin at the page's top left.
LineBox = tuple[int, int, float, float, float, float]


@dataclass
class Page:
    number: int  # 1-based, in file order
    width: float  # in PDF points (1/72 inch)
    height: float
    start: int  # the page's text in Document.text: [start, end)
    end: int
    label: str | None = None  # the printed page label, when the file says it
    ocr: bool = False  # text recognised from the page image
    confidence: float | None = None  # OCR: mean word confidence, 0–100
    lines: list[LineBox] = field(default_factory=list)


@dataclass
class Document:
    source: str  # file name relative to the corpus folder, "/"-separated
    sha256: str  # of the raw bytes: decides whether re-indexing is needed
    text: str
    encoding: str
    doc_type: str  # search.vocabulary: BRIEFING or ARTICLE
    series: str | None = None
    year: int | None = None
    issue_no: int | None = None
    total_no: int | None = None
    date: str | None = None  # ISO 8601: a briefing's issue date, a news page's publication date
    publisher: str | None = None  # who published it: a briefing's issuing office, a news outlet
    items: list[Item] = field(default_factory=list)
    format: str = "text"  # what the file was: text, pdf, docx, html, doc, image
    pages: list[Page] = field(default_factory=list)  # empty for unpaged formats
    ocr_confidence: float | None = None  # mean over the OCR'd pages; None: no OCR
    # What the file's container says of itself (title, date, author, site), for the parser.
    container_meta: dict = field(default_factory=dict)

    @property
    def issue_key(self) -> str | None:
        """`YYYY-NN`, the key users filter and link by; None for non-briefings."""
        if self.year is None or self.issue_no is None:
            return None
        return f"{self.year}-{self.issue_no:02d}"

    def to_json(self, with_text: bool = False) -> dict:
        data = asdict(self)
        if not with_text:
            del data["text"]
        data["issue"] = self.issue_key
        for item, raw in zip(self.items, data["items"]):
            raw.update(raw.pop("span"))
        return data
