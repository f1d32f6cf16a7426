"""Saved web pages with trafilatura: the article's main text, headline and date, without
the site's navigation, breadcrumbs, related links, footer and scripts.

The text keeps trafilatura's markdown headings (`# headline`, `### section`), which the
parser reads as headings. The date is taken only from the page's markup (meta tags,
`<time>`), never guessed from the text: a copyright year is no publication date.
"""
from __future__ import annotations

from search.errors import SourceError
from search.ingest.extract import HTML, Extract, TextBuilder, given
from search.ingest.text import decode

MAX_BYTES = 20 * 2**20  # saved pages may inline their images
TYPICAL = "a saved news page is well under 2 MB"
# Fewer characters than this left after the site's chrome is dropped: no article (an
# empty page, an index of links), nothing to search.
MIN_TEXT = 30


def read(path, raw: bytes, digest: str, options=None) -> Extract:
    import trafilatura
    markup, encoding = decode(path, raw)  # as the text reader would: a BOM, UTF-8, GB18030
    try:
        found = trafilatura.bare_extraction(
            markup, with_metadata=True, include_formatting=True, include_comments=False,
            include_tables=True, date_extraction_params={"extensive_search": False, "original_date": True})
    except Exception as exc:  # lxml on markup past repair
        raise SourceError(path, f"unreadable web page ({type(exc).__name__}: {exc})") from None
    if found is None or len("".join((found.text or "").split())) < MIN_TEXT:
        raise SourceError(path, "web page with no main text (empty, or only navigation)")
    builder = TextBuilder()
    for line in found.text.replace("\r\n", "\n").split("\n"):
        builder.add_paragraph(line.strip())
    meta = {key: value for key, value in (("title", given(found.title)), ("date", given(found.date)),
                                          ("author", given(found.author)), ("site", given(found.sitename)))
            if value}
    return Extract(text=builder.text(), encoding=encoding, sha256=digest, format=HTML, meta=meta)
