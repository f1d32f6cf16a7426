"""The table of contents: 【本期要目】 with ★ articles and ☆ 动态, bulleted or not, wrapped or not."""
from __future__ import annotations

from dataclasses import dataclass

from search.vocabulary import ARTICLE, DYNAMIC
from search.parse.lines import (BULLETS, DYNAMIC_HEAD, SHORT_LINE, TOC_HEAD, TOC_LINES_MAX, WRAPPED_LINE, Line,
                               first_text, join_pair, next_text, raw_length, title_like)


@dataclass
class TocEntry:
    kind: str
    text: str  # as written, list markers removed

    @property
    def title(self) -> str:
        return self.text.split("——")[0].strip()

    @property
    def subtitle(self) -> str | None:
        parts = self.text.split("——", 1)
        return parts[1].strip(" —") or None if len(parts) == 2 else None


def read_toc(lines: list[Line], start: int) -> tuple[list[TocEntry], int]:
    """TOC entries and the index of the first body line after the TOC."""
    i = first_text(lines, start, len(lines))
    if i is None:
        return [], start
    if TOC_HEAD.match(lines[i].text.replace(" ", "")):
        i += 1
    elif lines[i].text[0] not in BULLETS:
        return [], start
    entries: list[TocEntry] = []
    kind = ARTICLE
    body_start = i
    wrap_width = max((raw_length(x) for x in lines[i:i + TOC_LINES_MAX] if x.text[:1] in BULLETS), default=0)
    last_entry_line = None  # index of the last line that belongs to an entry
    bulleted = None  # unknown until the first entry
    section_open = True  # right after a heading, before the section's first entry
    while i < len(lines):
        text = lines[i].text
        adjacent = last_entry_line == i - 1
        if not text:
            i += 1
            continue
        if DYNAMIC_HEAD.match(text.replace(" ", "")):
            kind, section_open = DYNAMIC, True
            body_start = i + 1
        elif text[0] in BULLETS:
            entry_kind = ARTICLE if text[0] == "★" else DYNAMIC if text[0] == "☆" else kind
            entries.append(TocEntry(entry_kind, text.lstrip(BULLETS + " ")))
            bulleted, section_open = True, False
            body_start = i + 1
        elif bulleted and adjacent and lines[i - 1].text[0] in BULLETS \
                and raw_length(lines[i - 1]) >= max(WRAPPED_LINE, SHORT_LINE * wrap_width):
            # A TOC line wrapped by a converter (it is as long as the longest bullet line):
            # its tail has no bullet. Should it really be a title right after the TOC, the
            # body still starts here and can find it.
            entries[-1].text = join_pair(entries[-1].text, text)
        elif bulleted is not True and (adjacent or section_open) and title_like(text):
            # A TOC written without bullets: its lines follow the heading without a gap.
            entries.append(TocEntry(kind, text))
            bulleted, section_open = False, False
            body_start = i + 1
        elif bulleted and title_like(text) and more_bullets_follow(lines, i):
            pass  # a stray line between bullet lines (a tail wrapped across a blank line)
        else:
            break
        if entries and (text[0] in BULLETS or adjacent or bulleted is False):
            last_entry_line = i
        i += 1
    return entries, body_start



def more_bullets_follow(lines: list[Line], i: int) -> bool:
    j = next_text(lines, i, len(lines))
    return j is not None and (lines[j].text[0] in BULLETS or bool(DYNAMIC_HEAD.match(lines[j].text.replace(" ", ""))))

