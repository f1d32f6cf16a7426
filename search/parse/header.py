"""The masthead of a briefing: series, 年第…期 (总第…期), date and publisher."""
from __future__ import annotations

import datetime
import re
import unicodedata

from search.parse.lines import BULLETS, HEADER_LINE_MAX, HEADER_LINES_MAX, PUNCTUATION, TOC_HEAD, Line, width

# Header fields, matched on NFKC-normalised text (full-width digits and brackets folded).
ISSUE = re.compile(r"(\d{4})\s*年\s*第\s*(\d+)\s*期(?:[\s,;(]*总\s*第\s*(\d+)\s*期\s*\)?)?")
DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
SERIES = re.compile(r"简\s*报$")
# A publisher is an office; a short line that names none (内部资料) is not the publisher.
ORGANISATION = re.compile(r"(?:指挥部|办公室|委员会|小组|部|办|局|厅|委|会|院|中心|组)$")
# A masthead line holds its fields and nothing else: prose or labels (`例如：2017年第5期`,
# `《西部》2024年第2期|…`) around an issue number belong to a page that quotes one.
_MASTHEAD_MARKS = PUNCTUATION - set("()（）【】〔〕[]《》") | set("|｜")


def read_header(lines: list[Line]) -> tuple[dict, int]:
    """Masthead fields of a briefing and the index of the first line after them.

    Returns ({}, 0) for a text that is not a briefing (no 年第…期 line). Only the top of
    the file is read, and the date closes the masthead: dates and numbers inside articles
    must not become metadata, nor the first title the publisher.
    """
    meta: dict = {}
    end = seen = 0
    prose_before = False  # a line above the issue number that no masthead has
    for i, line in enumerate(lines):
        text = line.text
        if not text:
            continue
        seen += 1
        if seen > HEADER_LINES_MAX or TOC_HEAD.match(text.replace(" ", "")) or text[0] in BULLETS \
                or width(text) > 2 * HEADER_LINE_MAX:
            break
        rest = unicodedata.normalize("NFKC", text)
        issue = ISSUE.search(rest)
        if issue and "year" not in meta:
            if prose_before or _has_marks(DATE.sub("", rest[:issue.start()] + rest[issue.end():])):
                return {}, 0
            meta["year"] = int(issue.group(1))
            meta["issue_no"] = int(issue.group(2))
            if issue.group(3):
                meta["total_no"] = int(issue.group(3))
            rest = rest[:issue.start()] + rest[issue.end():]
            end = i + 1
        date = DATE.search(rest)
        if date and "year" in meta:
            try:
                meta["date"] = datetime.date(*map(int, date.groups())).isoformat()
            except ValueError:
                meta["date"] = None  # a misprinted date is not invented, but still ends the masthead
            rest = rest[:date.start()] + rest[date.end():]
            end = i + 1
        rest = re.sub(r"\s+", "", rest)
        if rest and SERIES.search(rest) and "series" not in meta and len(rest) <= HEADER_LINE_MAX:
            meta["series"] = rest
            end = i + 1
        elif rest and "publisher" not in meta and len(rest) <= HEADER_LINE_MAX and ORGANISATION.search(rest) \
                and not (set(rest) & PUNCTUATION) and ("series" in meta or "year" in meta):
            meta["publisher"] = rest
            end = i + 1
        elif "year" not in meta and _has_marks(rest):
            prose_before = True
        if "date" in meta:
            break
    if "year" not in meta:
        return {}, 0
    if meta.get("date") is None:
        meta.pop("date", None)
    return meta, end



def _has_marks(text: str) -> bool:
    return bool(set(text) & _MASTHEAD_MARKS)
