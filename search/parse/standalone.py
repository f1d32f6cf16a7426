"""A text that is not a briefing — a news page, a newspaper feature, a notice — as one article.

Newspaper layout: an optional kicker line ending in —— (the subtitle), the headline, a
subtitle line starting with ——, then the body. Saved news pages wrap that in the site's
furniture and metadata (see `newsmeta`): those lines are set aside first, giving the
page's date, outlet and byline, and what is left is read as a newspaper article. A page
without a headline gets one from its lead sentence, marked as derived.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace

from search.analysis import normalize
from search.model import Item
from search.parse import newsmeta
from search.parse.lines import (LEAD_MAX, REPEAT_MIN, SENTENCE_END, TITLE_MAX, WRAPPED_LINE, Line, join_texts, key,
                               raw_length, split_lead, title_like)
from search.parse.newsmeta import Meta
from search.parse.paragraphs import Paragraph, blocks_of, build_paragraphs, make_item
from search.vocabulary import ARTICLE

# Lines of text at the top of a page among which its furniture and metadata stand.
HEAD_LINES = 20
# A derived headline is the lead sentence, cut at a clause boundary past this many characters…
DERIVED_MIN = 12
# … and never longer than this.
DERIVED_MAX = LEAD_MAX // 3
# A line this short under the headline is a name (the author's), not the headline…
SHORT_NAME = 4
# … and above it, one this short is a section's name or a tag (援疆工作, 图片新闻).
TAG_MAX = 8
# A sentence above the breadcrumb this short is the site's slogan; a longer one, the story's.
SLOGAN_MAX = 30
# A letterhead: the issuing office's name alone on the first line of a notice.
_LETTERHEAD = re.compile(r"(?:指挥部|办公室|委员会|工作组|人民政府|政府|局|厅|委|中心|小组)$")


# When a story happened, as its lead opens: no part of a headline.
_OPENING_TIME = re.compile(r"^(?:\d{1,2}\s*月\s*\d{1,2}\s*日(?:[上下]午|晚|晚间|早上|凌晨)?|近日|日前|当天|昨天|昨日|今天|今日|"
                           r"今年以来|近年来|近期)\s*[,，]\s*")


@dataclass
class Article:
    items: list[Item]
    date: str | None = None  # the page's own: its metadata lines or the end of its title line
    publisher: str | None = None
    story_date: str | None = None  # a full date opening the story: for a page that names none


def read_article(lines: list[Line]) -> Article:
    """The article of a non-briefing text, with the page's date and outlet where it gives them."""
    lines, head, tail = _set_aside_page_matter(lines)
    first = next((i for i, x in enumerate(lines) if x.text), None)
    if first is None:
        return Article([], head.date or tail.date, head.publisher or tail.publisher)
    title, subtitle, body_from, derived, title_meta = _headline(lines, first)
    paragraphs = _drop_repeats(build_paragraphs(lines[body_from:], drop_captions=True))
    lead_byline = None
    if paragraphs:
        _, lead_byline = newsmeta.split_dateline(paragraphs[0].text)
    item = make_item(ARTICLE, title, subtitle, None, paragraphs, lines[first])
    item.title_derived = derived
    item.byline = head.byline or lead_byline or tail.byline
    return Article([item], head.date or title_meta.date or tail.date,
                   head.publisher or title_meta.publisher or tail.publisher, _lead_date(paragraphs))


def _blank(line: Line) -> Line:
    return replace(line, text="")


def _set_aside_page_matter(lines: list[Line]) -> tuple[list[Line], Meta, Meta]:
    """The lines with furniture and metadata blanked, and what the metadata said, at the top
    of the page and at its end (where pages repeat their source and date)."""
    out = list(lines)
    head, tail = Meta(), Meta()
    texts = [i for i, x in enumerate(lines) if x.text]
    top = texts[:HEAD_LINES]
    first = _below_navigation(lines, top)
    for i in top[:first]:
        head.add(newsmeta.read_meta_line(lines[i].text) or Meta())
        out[i] = _blank(lines[i])
    story = len(top)  # position in `texts` where the story begins
    kept: list[int] = []  # lines left standing above the story: headline, kicker, subtitle
    headline_at = None  # the line standing right above the first metadata line
    for n in range(first, len(top)):
        i = top[n]
        text = lines[i].text
        meta = newsmeta.read_meta_line(text)
        if meta is not None:
            head.add(meta)
            out[i] = _blank(lines[i])
            if headline_at is None and kept:
                headline_at = _headline_above(lines, kept)
        elif newsmeta.is_furniture(text):
            out[i] = _blank(lines[i])
        elif (byline := newsmeta.byline_of(text)) is not None:
            head.byline = head.byline or byline
            out[i] = _blank(lines[i])
        elif _is_prose(text):
            story = n  # the story has begun: what follows is its text
            break
        else:
            kept.append(i)
    # Pages put their headline right above its dateline: short lines above it are section
    # names and tags (援疆工作, 图片新闻).
    for i in kept:
        if headline_at is not None and i < headline_at and len(lines[i].text) <= TAG_MAX \
                and not lines[i].text.rstrip().endswith("—"):
            out[i] = _blank(lines[i])
    for i in reversed(texts[story + 1:]):
        meta = newsmeta.read_meta_line(lines[i].text)
        if meta is not None:
            tail.add(meta)
        elif not newsmeta.is_furniture(lines[i].text, head=False):
            break
        out[i] = _blank(lines[i])
    for i, line in enumerate(out):
        if line.text:
            cleaned = newsmeta.strip_inline_furniture(line.text)
            if cleaned != line.text:
                out[i] = replace(line, text=cleaned)
    return out, head, tail


def _below_navigation(lines: list[Line], top: list[int]) -> int:
    """Position in `top` of the first line below the site's breadcrumb (0 without one): what
    stands above it (menus, slogans, the site's name) is the site's, not the story's."""
    for n, i in enumerate(top):
        text = lines[i].text
        if _is_prose(text) and len(text) > SLOGAN_MAX:
            break  # the story has begun
        if newsmeta.is_breadcrumb(text):
            return n + 1
    return 0


def _headline_above(lines: list[Line], kept: list[int]) -> int:
    """Of the lines standing above a dateline, the headline's: the last one, passing over a
    subtitle (——…) and a name (孙瑞生) below it."""
    candidates = [i for i in kept if not lines[i].text.startswith(("—", "--"))] or kept
    longer = [i for i in candidates if len(lines[i].text) > SHORT_NAME]
    return (longer or candidates)[-1]


def _is_prose(text: str) -> bool:
    return len(text) > TITLE_MAX or bool(set(text) & set(SENTENCE_END + "；;")) or text[-1] in "，、：,:"


def _headline(lines: list[Line], first: int) -> tuple[str, str | None, int, bool, Meta]:
    """(title, subtitle, index of the first body line, derived?, what was glued to the title)."""
    blocks = blocks_of(lines[first:])
    head = blocks[0]
    subtitle = None
    kicker_end = next((n for n, x in enumerate(head) if x.text.rstrip().endswith("—")), None)
    if kicker_end is not None:
        subtitle = join_texts(x.text for x in head[:kicker_end + 1]).rstrip("— ").strip() or None
        head = head[kicker_end + 1:] or (blocks[1] if len(blocks) > 1 else [])
    if head and _is_letterhead(head[0], lines):
        lines[head[0].no - 1] = _blank(head[0])
        return _headline(lines, _next_text(lines, head[0].no))
    if not head:
        return "", subtitle, len(lines), False, Meta()
    if not title_like(head[0].text):
        return _derived_title(head[0].text), subtitle, head[0].no - 1, True, Meta()
    if _is_web_title(head[0], lines):
        lines[head[0].no - 1] = _blank(head[0])
        return _headline(lines, _next_text(lines, head[0].no))
    # Two title lines in a block are one headline when a converter wrapped the first.
    title_lines = head[:2] if len(head) == 2 and title_like(head[1].text) and raw_length(head[0]) >= WRAPPED_LINE \
        and not head[1].text.startswith(("—", "--")) else head[:1]
    title, meta = newsmeta.clean_title(re.sub(r"\s+", " ", join_texts(x.text for x in title_lines)))
    title, _, inline_sub = title.partition("——")
    title = title.strip()
    subtitle = subtitle or inline_sub.strip(" —") or None
    body_from = title_lines[-1].no  # .no is 1-based: the index of the line after the title
    # After the title: a —— subtitle line, then perhaps the title again (mirrors repeat it,
    # wire copy restates it after its dateline: `…电 题:<title>`).
    nxt = _next_text(lines, body_from)
    if nxt is not None and subtitle is None and lines[nxt].text.startswith(("—", "--")):
        subtitle = lines[nxt].text.lstrip("—- ").strip() or None
        body_from = nxt + 1
        nxt = _next_text(lines, body_from)
    if nxt is not None and _restates(lines[nxt].text, title):
        body_from = nxt + 1
    return title, subtitle, body_from, False, meta


def _is_letterhead(line: Line, lines: list[Line]) -> bool:
    """An office's name alone above the real headline."""
    text = line.text
    if len(text) > 30 or not _LETTERHEAD.search(text) or not title_like(text) or re.search(r"[，,：:]", text):
        return False
    nxt = _next_text(lines, line.no)
    return nxt is not None and title_like(lines[nxt].text) and not lines[nxt].text.startswith("—")


def _is_web_title(line: Line, lines: list[Line]) -> bool:
    """The page's <title> (`栏目_站名`, keywords joined by `_`) above its own headline."""
    title, _ = newsmeta.clean_title(line.text)
    nxt = _next_text(lines, line.no)
    return "_" in title and nxt is not None and title_like(lines[nxt].text)


def _next_text(lines: list[Line], start: int) -> int | None:
    return next((i for i in range(start, len(lines)) if lines[i].text), None)


def _restates(text: str, title: str) -> bool:
    rest, _ = newsmeta.split_dateline(text)
    return bool(key(title)) and key(rest) == key(title)


def _derived_title(lead: str) -> str:
    """A headline for a page that has none: its lead sentence without the dateline and the
    time it opens with (`12月5日，`, `近日，`), cut at a clause boundary when long."""
    text, _ = newsmeta.split_dateline(lead)
    text = _OPENING_TIME.sub("", text.strip(), count=1)
    sentence = split_lead(text)[0]
    if len(sentence) <= DERIVED_MAX:
        return sentence
    cuts = [m.start() for m in re.finditer(r"[，,；;：:]", sentence[:DERIVED_MAX + 1]) if m.start() >= DERIVED_MIN]
    return sentence[:cuts[-1]] if cuts else sentence[:DERIVED_MAX]


def _drop_repeats(paragraphs: list[Paragraph]) -> list[Paragraph]:
    """Mirrors repeat a lead paragraph word for word: keep its first copy."""
    seen: set[str] = set()
    out = []
    for p in paragraphs:
        k = key(p.text)
        if len(k) >= REPEAT_MIN and k in seen:
            continue
        seen.add(k)
        out.append(p)
    return out


def _lead_date(paragraphs: list[Paragraph]) -> str | None:
    """A full date (year included) that opens the story."""
    if not paragraphs:
        return None
    dates = newsmeta.find_dates(normalize(paragraphs[0].text[:LEAD_MAX]))
    return dates[0].iso if dates else None
