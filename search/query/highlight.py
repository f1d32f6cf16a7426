"""Highlights: the query's words marked with <mark> in HTML-escaped text.

Matches are found on the normalised text (same length as the original, see
`analysis.normalize`), so a traditional-character or full-width query marks the text
as written. Words may be split by white space the PDF extraction left (`1805 名`).
No re-tokenising: one regular expression over each shown text.
"""
from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from html import escape, unescape

from search.analysis import normalize

SNIPPET_CHARS = 100
SNIPPETS = 2
_MARK_TAG = re.compile(r"</?mark>")


def compile_terms(terms: list[str]) -> re.Pattern | None:
    """One pattern matching any of `terms` (normalised), longest first."""
    alternatives = [_bounded(t, r"\s*".join(re.escape(c) for c in t)) for t in terms if t]
    if not alternatives:
        return None
    return re.compile("|".join(alternatives))


def _bounded(term: str, pattern: str) -> str:
    """A term that starts or ends with a Latin letter or digit must not be part of a longer
    number or word (8 in 28104), as it would not be the same token."""
    if term[0].isascii() and term[0].isalnum():
        pattern = r"(?<![0-9a-z.])" + pattern
    if term[-1].isascii() and term[-1].isalnum():
        pattern += r"(?![0-9a-z]|\.[0-9])"
    return pattern


def find_spans(text: str, pattern: re.Pattern | None) -> list[tuple[int, int]]:
    if pattern is None or not text:
        return []
    return [m.span() for m in pattern.finditer(normalize(text)) if m.end() > m.start()]


def mark(text: str, spans: list[tuple[int, int]], start: int = 0, end: int | None = None) -> str:
    """Escaped `text[start:end]` with `spans` wrapped in <mark>."""
    end = len(text) if end is None else end
    out, cursor = [], start
    for s, e in spans:
        s, e = max(s, start), min(e, end)
        if e <= s or s < cursor:
            continue
        out.append(escape(text[cursor:s]))
        out.append(f"<mark>{escape(text[s:e])}</mark>")
        cursor = e
    out.append(escape(text[cursor:end]))
    return "".join(out)


def plain(fragment: str) -> str:
    """A highlighted fragment back to plain text: marks dropped, entities decoded."""
    return unescape(_MARK_TAG.sub("", fragment))


def highlight(text: str, pattern: re.Pattern | None) -> str:
    """The whole of `text`, escaped, with every match marked."""
    return mark(text, find_spans(text, pattern))


def snippets(text: str, pattern: re.Pattern | None, size: int = SNIPPET_CHARS,
             count: int = SNIPPETS) -> list[str]:
    """Up to `count` windows of about `size` characters around the matches, best first.

    A window is centred on a match; windows showing more different words win. Without a
    match, the opening of the text stands in.
    """
    text = text or ""
    norm = normalize(text)
    spans = [m.span() for m in pattern.finditer(norm) if m.end() > m.start()] if pattern else []
    if not spans:
        return [_window(text, [], 0, min(len(text), size))] if text else []
    words = [norm[a:b].replace(" ", "").replace("\n", "") for a, b in spans]
    starts = [a for a, _ in spans]
    candidates = []
    for s, e in spans:
        start = max(0, min(s - (size - (e - s)) // 2, len(text) - size))
        end = min(len(text), start + size)
        # Matches do not overlap and come in order: the window's are a contiguous run.
        first, last = bisect_left(starts, start), bisect_right(starts, end)
        inside = [j for j in range(first, last) if spans[j][1] <= end]
        candidates.append((-len({words[j] for j in inside}), -len(inside), start, end,
                           [spans[j] for j in inside]))
    candidates.sort()
    chosen: list[tuple[int, int, list]] = []
    for _, _, start, end, inside in candidates:
        if all(end <= a or start >= b for a, b, _ in chosen):
            chosen.append((start, end, inside))
        if len(chosen) == count:
            break
    chosen.sort()
    return [_window(text, inside, start, end) for start, end, inside in chosen]


def _window(text: str, spans, start: int, end: int) -> str:
    return ("…" if start > 0 else "") + mark(text, spans, start, end) + ("…" if end < len(text) else "")
