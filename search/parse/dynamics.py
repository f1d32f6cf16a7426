"""动态: one-paragraph news items, each opening with a title sentence."""
from __future__ import annotations

from search.model import Item
from search.vocabulary import DYNAMIC
from search.parse.articles import unwrap_title
from search.parse.lines import (LEAD_MAX, TOC_MATCH, Candidate, Line, align,
                               ends_sentence, first_text, join_pair, similarity, split_lead,
                               starts_paragraph)
from search.parse.paragraphs import Paragraph, build_paragraphs, make_item
from search.parse.toc import TocEntry


def lead_sentence(lines: list[Line], i: int, start: int, end: int) -> str | None:
    """The title sentence of a 动态 paragraph starting at line i, or None if line i does not
    start a paragraph or the paragraph does not open with a short sentence."""
    if not lines[i].text or not starts_paragraph(lines, i, start):
        return None
    text = ""
    j = i
    while j < end and lines[j].text and len(text) <= LEAD_MAX:
        text = join_pair(text, lines[j].text)
        j += 1
    title, rest = split_lead(text)
    return title if rest is not None else None


def dynamic_items_in(lines: list[Line], start: int, end: int, toc: list[TocEntry]) -> list[Item]:
    if start >= end:
        return []

    leads = []
    for i in range(start, end):
        text = lead_sentence(lines, i, start, end)
        if text:
            leads.append(Candidate(i, i, text))

    def score(entry: TocEntry, lead: Candidate):
        s = similarity(lead.text, entry.text, TOC_MATCH)
        return s if s >= TOC_MATCH else None

    starts = {lead.first: toc[e] for e, lead in align(toc, leads, score).items()}
    if len(starts) < len(toc) or not toc:
        # Paragraphs the TOC does not name: a block that opens with a title sentence after
        # a finished paragraph starts a 动态 of its own. (With a TOC, only after a blank
        # line: inside a hard-wrapped block a paragraph end is a guess.)
        for lead in leads:
            prev = lead.first - 1
            if lead.first in starts or (toc and lines[prev].text):
                continue
            while prev >= start and not lines[prev].text:
                prev -= 1
            if prev < start or ends_sentence(lines[prev].text):
                starts[lead.first] = None
    first = first_text(lines, start, end)
    if first is not None and first not in starts:
        starts[first] = None  # text before the first 动态 cannot belong to anything else
    order = sorted(starts)
    items = []
    for n, first_line in enumerate(order):
        stop = order[n + 1] if n + 1 < len(order) else end
        paragraphs = build_paragraphs(lines[first_line:stop])
        if not paragraphs:
            continue
        title, rest = split_lead(paragraphs[0].text)
        if rest is None:
            title, rest = paragraphs[0].text[:LEAD_MAX // 3], paragraphs[0].text
        entry = starts[first_line]
        title = unwrap_title(title, entry.text if entry else None)
        paragraphs[0] = Paragraph(paragraphs[0].lines, rest)
        paragraphs = [p for p in paragraphs if p.text]
        items.append(make_item(DYNAMIC, title, None, entry.text if entry else None, paragraphs, lines[first_line]))
    return items

