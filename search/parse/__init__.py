"""Parse stage: decoded text → a `Document` of items (articles and 动态) with spans.

The sources are text extracted from PDFs, so the layout carries scars: paragraphs broken
by page breaks, titles wrapped onto two lines or split by a stray space, markdown added by
some converters, lines hard-wrapped at ~38 characters by others. The table of contents
(【本期要目】 with ★ articles and ☆ 动态) is the most reliable guide to where items start,
so items are found by aligning the TOC with the body, fuzzily, because TOC and body titles
are often worded slightly differently. Layout heuristics only fill in where the TOC is
missing or does not match.

Modules, in the order a briefing is read: `lines` (physical lines and the primitives on
them), `header` (masthead), `toc`, `articles`, `dynamics`, `paragraphs`, `briefing` (the
body as a whole) and `standalone` (a text that is not a briefing). Group and place are not
the parser's business: the enrich stage adds them.
"""
from __future__ import annotations

from search.model import Document
from search.vocabulary import ARTICLE, BRIEFING
from search.parse.briefing import briefing_items
from search.parse.header import read_header
from search.parse.lines import split_lines
from search.parse.standalone import read_article


def parse_text(text: str, source: str, sha256: str = "", encoding: str = "utf-8",
               container_meta: dict | None = None) -> Document:
    """Parse decoded text (line ends already "\\n") into a Document. `container_meta` is what
    the file's container says of itself (title, ISO date, author, site): a date for a text
    that gives none."""
    lines = split_lines(text)
    meta, header_end = read_header(lines)
    doc = Document(source=source, sha256=sha256, text=text, encoding=encoding,
                   doc_type=BRIEFING if meta else ARTICLE, container_meta=dict(container_meta or {}))
    if meta:
        for name, value in meta.items():
            setattr(doc, name, value)
        doc.items = briefing_items(lines, header_end)
    else:
        article = read_article(lines)
        doc.items, doc.publisher = article.items, article.publisher
        # The page's own date, else its container's (a web page's meta tags), and only then
        # a full date that opens the story.
        doc.date = article.date or doc.container_meta.get("date") or article.story_date
        if doc.date:
            doc.year = int(doc.date[:4])  # the publication year: the year facet counts news pages too
        for item in doc.items:
            item.byline = item.byline or doc.container_meta.get("author")
    for ordinal, item in enumerate(doc.items, 1):
        item.ordinal = ordinal
    if doc.date is None and doc.container_meta.get("date"):
        doc.date = doc.container_meta["date"]
    return doc
