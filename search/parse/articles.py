"""Main articles: titles in the body aligned with the TOC's ★ lines, or found by layout."""
from __future__ import annotations

import re

from search.model import Item
from search.vocabulary import ARTICLE
from search.parse.lines import (HEADING_MAX, PUNCTUATION, TITLE_PAIR_MAX, TOC_MATCH, WRAPPED_LINE, Candidate, Line,
                               align, ends_sentence, join_pair, join_texts, key, next_text, raw_length,
                               similarity, starts_paragraph, title_like)
from search.parse.paragraphs import build_paragraphs, make_item
from search.parse.toc import TocEntry


def title_candidates(lines: list[Line], start: int, end: int) -> list[Candidate]:
    """Lines that could be a title: they start a paragraph and read like a heading.
    A title wrapped onto the next line (maybe across a blank) is a candidate too."""
    out = []
    for i in range(start, end):
        text = lines[i].text
        if not title_like(text) or text.startswith("—") or not starts_paragraph(lines, i, start):
            continue
        out.append(Candidate(i, i, text))
        j = next_text(lines, i, end)
        if j is not None and title_like(lines[j].text) and not lines[j].text.startswith("—") \
                and len(text) + len(lines[j].text) <= TITLE_PAIR_MAX:
            out.append(Candidate(i, j, join_pair(text, lines[j].text)))
    return out


def heading_like(lines: list[Line], c: Candidate, start: int, end: int) -> bool:
    """A candidate that looks like a heading on its own, without a TOC line to confirm it."""
    if lines[c.first].heading:
        return True
    if len(key(c.text)) > HEADING_MAX or (set(c.text) & PUNCTUATION - set("，“”、")):
        return False
    after = next_text(lines, c.last, end, max_blanks=3)
    if after is None or lines[c.last + 1].text and not lines[c.last + 1].text.startswith("—"):
        return False  # a heading stands alone and is followed by its body
    prev = c.first - 1
    while prev >= start and not lines[prev].text:
        prev -= 1
    return prev < start or ends_sentence(lines[prev].text)



def article_items_in(lines: list[Line], start: int, end: int, toc: list[TocEntry]) -> list[Item]:
    candidates = title_candidates(lines, start, end)

    def score(entry: TocEntry, c: Candidate):
        s = max(similarity(c.text, entry.text, TOC_MATCH),
                similarity(c.text.split("——")[0], entry.title, TOC_MATCH))
        return s if s >= TOC_MATCH else None

    found: dict[int, tuple[Candidate, TocEntry | None]] = {}
    for e, c in align(toc, candidates, score).items():
        found[c.first] = (c, toc[e])
    # Titles the TOC does not name (or names too differently): standalone headings in the gaps.
    # With a TOC, only as many as it has unmatched lines; without one, all of them.
    unmatched = len(toc) - len(found)
    if unmatched or not toc:
        for c in unconfirmed_titles(lines, candidates, start, end):
            if toc and unmatched <= 0:
                break
            if any(f <= c.last and c.first <= found[f][0].last for f in found):
                continue
            found[c.first] = (c, None)
            unmatched -= 1
    starts = sorted(found)
    items = []
    for n, first in enumerate(starts):
        c, entry = found[first]
        stop = starts[n + 1] if n + 1 < len(starts) else end
        items.append(article_item(lines, c, entry, stop))
    return items


def unconfirmed_titles(lines: list[Line], candidates: list[Candidate], start: int, end: int):
    """Candidates that look like headings by layout alone, at most one per first line.

    A two-line candidate counts only when its first line looks cut by a converter (long,
    and the second line follows without a blank): a title wrapped at ~38 characters.
    """
    by_first: dict[int, Candidate] = {}
    for c in candidates:
        if c.first == c.last:
            by_first.setdefault(c.first, c)
        elif c.last == c.first + 1 and raw_length(lines[c.first]) >= WRAPPED_LINE:
            by_first[c.first] = c
    return [c for c in by_first.values() if heading_like(lines, c, start, end)]


def article_item(lines: list[Line], c: Candidate, entry: TocEntry | None, stop: int) -> Item:
    title, _, inline_sub = c.text.partition("——")
    subtitle = inline_sub.strip(" —") or None
    body_from = c.last + 1
    j = next_text(lines, c.last, stop)
    if subtitle is None and j is not None and lines[j].text.startswith(("—", "--")):
        sub_lines = [lines[j]]
        # A subtitle wrapped in the same block continues on the following short line.
        k = j + 1
        if k < stop and lines[k].text and not ends_sentence(lines[j].text) and entry and entry.subtitle \
                and similarity(join_texts(x.text for x in sub_lines + [lines[k]]), entry.subtitle) \
                > similarity(lines[j].text, entry.subtitle):
            sub_lines.append(lines[k])
        subtitle = join_texts(x.text for x in sub_lines).lstrip("—- ").strip() or None
        body_from = sub_lines[-1].no  # .no is 1-based: the index of the line after the subtitle
    title = unwrap_title(title.strip(), entry.title if entry else None)
    paragraphs = build_paragraphs(lines[body_from:stop])
    return make_item(ARTICLE, title, subtitle, entry.text if entry else None, paragraphs, lines[c.first])


def unwrap_title(title: str, toc_title: str | None) -> str:
    """Remove spaces the PDF wrap left inside a title, keep designed ones.

    A space between two Chinese characters is a wrap unless the TOC line has the same
    space; spaces next to numbers and Latin words (帮助 1805 名) are the typesetter's.
    """
    def keep(m: re.Match) -> str:
        left, right = title[m.start() - 1], title[m.end()]
        if (left.isascii() and left.isalnum()) or (right.isascii() and right.isalnum()):
            return " "
        if toc_title and re.search(re.escape(left) + r"\s+" + re.escape(right), toc_title):
            return " "
        return ""

    title = title.strip()
    return re.sub(r"(?<=\S)\s+(?=\S)", keep, title)
