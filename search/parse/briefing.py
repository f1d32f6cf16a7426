"""A briefing's body: its TOC, main articles, 本期动态 section and footer."""
from __future__ import annotations

import re

from search.model import Item
from search.vocabulary import ARTICLE, DYNAMIC
from search.parse.articles import article_items_in
from search.parse.dynamics import dynamic_items_in, lead_sentence
from search.parse.lines import (DYNAMIC_HEAD, DYNAMIC_WITHOUT_HEADING, HEADER_LINE_MAX, TOC_HEAD, Line, similarity,
                               starts_paragraph)
from search.parse.paragraphs import build_paragraphs, headline, make_item
from search.parse.toc import read_toc

# Distribution lines at the end of an issue; they start a paragraph of their own.
FOOTER_START = re.compile(r"^(?:本期报|报送|抄送|抄报|分送|报\s*[：:]|送\s*[：:]|共印\s*\d+\s*份)")
FOOTER_LINE = re.compile(r"(?:办公室|共印\s*\d+\s*份)$")



def briefing_items(lines: list[Line], header_end: int) -> list[Item]:
    toc, body_start = read_toc(lines, header_end)
    body_end = find_footer(lines, body_start)
    articles_toc = [e for e in toc if e.kind == ARTICLE]
    dynamics_toc = [e for e in toc if e.kind == DYNAMIC]

    dyn_head = next((i for i in range(body_start, body_end)
                     if DYNAMIC_HEAD.match(lines[i].text.replace(" ", ""))), None)
    if dyn_head is not None:
        main_end, dyn_start = dyn_head, dyn_head + 1
    else:
        main_end = dyn_start = find_dynamics_without_heading(lines, body_start, body_end, dynamics_toc)

    items = article_items_in(lines, body_start, main_end, articles_toc)
    items += dynamic_items_in(lines, dyn_start, body_end, dynamics_toc)
    if not items:
        items = whole_region_item(lines, body_start, body_end)
    return items



def find_footer(lines: list[Line], start: int) -> int:
    """Index of the first footer line (distribution list, office, print run), else len(lines)."""
    end = len(lines)
    for i in range(start, len(lines)):
        if lines[i].text and FOOTER_START.match(lines[i].text) and starts_paragraph(lines, i, start):
            end = i
            break
    # Walk back over the lines that precede or replace the distribution list
    # (江苏省…指挥部办公室, 共印 150 份), which stand alone on short lines.
    i = end - 1
    while i >= start:
        text = lines[i].text
        if text and not (len(text) <= HEADER_LINE_MAX and FOOTER_LINE.search(text.replace(" ", ""))):
            break
        if text:
            end = i
        i -= 1
    return end


def find_dynamics_without_heading(lines, start, end, entries) -> int:
    """Where the 动态 begin when the body has no 本期动态 heading: the first paragraph whose
    title sentence closely matches a ☆ line, else the end (no 动态 section)."""
    if not entries:
        return end
    for i in range(start, end):
        lead = lead_sentence(lines, i, start, end)
        if lead and max(similarity(lead, e.title) for e in entries) >= DYNAMIC_WITHOUT_HEADING:
            return i
    return end



def whole_region_item(lines: list[Line], start: int, end: int) -> list[Item]:
    """A briefing whose items cannot be told apart still gets its text indexed, as one item."""
    kept = [x for x in lines[start:end]
            if not TOC_HEAD.match(x.text.replace(" ", "")) and not DYNAMIC_HEAD.match(x.text.replace(" ", ""))]
    first = next((x for x in kept if x.text), None)
    if first is None:
        return []
    title, body_lines = headline(first, kept[kept.index(first):])
    return [make_item(ARTICLE, title, None, None, build_paragraphs(body_lines), first)]

