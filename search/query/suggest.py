"""Suggestions while the user types: work groups (by name or alias), aided places, issues,
outlets, frequent words and item titles that match the typed text.

One `Suggester` per index generation, built from its facet values, lexicon and titles on
the first request; each keystroke is then a few prefix searches (bisect over sorted keys)
and one pass over the distinct titles. Everything is matched folded (`normalize`), so
霍爾 finds 霍尔果斯 and full-width letters find their half-width forms.
"""
from __future__ import annotations

import heapq
import re
from bisect import bisect_left
from dataclasses import dataclass

from search.analysis import normalize
from search.vocabulary import SUGGEST_KIND_LIMIT, SUGGEST_LIMIT, SUGGEST_MAX_CHARS, SUGGEST_WORDS, issue_label

GROUP, LOCALITY, ISSUE, PUBLISHER, WORD, TITLE = "group", "locality", "issue", "publisher", "word", "title"
# In this order in the list: the few values that filter first, then words, then titles.
KIND_LABELS = {GROUP: "工作组", LOCALITY: "受援地", ISSUE: "期次", PUBLISHER: "来源", WORD: "词语", TITLE: "标题"}
SUGGESTED_FACETS = (GROUP, LOCALITY, ISSUE, PUBLISHER)
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Entry:
    key: str  # folded text matched against what was typed
    kind: str
    value: str  # the facet value, word or item id
    label: str
    count: int


def fold(text: str) -> str:
    return _SPACE.sub("", normalize(text))


class Suggester:
    def __init__(self, facets: dict[str, dict[str, int]], aliases: dict[str, list[str]],
                 words: dict[str, int], titles: list[tuple[str, str, int]]):
        """`facets`: facet → value → items; `aliases`: group → other names; `words`: word →
        documents holding it; `titles`: (title, id of its first item, items so titled)."""
        self._facets: dict[str, list[Entry]] = {}
        for kind in SUGGESTED_FACETS:
            entries = []
            for value, count in facets.get(kind, {}).items():
                label = issue_label(value) if kind == ISSUE else value
                names = {value, label} | (set(aliases.get(value, ())) if kind == GROUP else set())
                entries += [Entry(fold(name), kind, value, label, count) for name in names]
            self._facets[kind] = entries
        frequent = heapq.nlargest(SUGGEST_WORDS, ((n, w) for w, n in words.items() if len(w) > 1 and n > 1))
        self._words = sorted((fold(w), n, w) for n, w in frequent)
        self._word_keys = [k for k, _, _ in self._words]
        self._titles = [(fold(title), Entry("", TITLE, item, title, n)) for title, item, n in titles]

    def suggest(self, typed: str) -> list[Entry]:
        """Up to SUGGEST_LIMIT entries for `typed`, SUGGEST_KIND_LIMIT of each kind at most:
        prefix matches before inner ones, then the most frequent."""
        q = fold(typed)
        if not q or len(q) > SUGGEST_MAX_CHARS:
            return []
        out: list[Entry] = []
        for kind in SUGGESTED_FACETS:
            out += _best(((e.key.startswith(q), e) for e in self._facets[kind] if q in e.key), distinct=True)
        start = bisect_left(self._word_keys, q)
        end = bisect_left(self._word_keys, q + "\U0010ffff")
        words = heapq.nlargest(SUGGEST_KIND_LIMIT, self._words[start:end], key=lambda w: (w[1], -len(w[2])))
        out += [Entry(k, WORD, w, w, n) for k, n, w in words]
        out += _best((key.startswith(q), e) for key, e in self._titles if q in key)
        return out[:SUGGEST_LIMIT]


def _best(candidates, distinct: bool = False) -> list[Entry]:
    """The SUGGEST_KIND_LIMIT best of (is a prefix match, entry): prefix first, then count."""
    ranked = sorted(candidates, key=lambda c: (not c[0], -c[1].count, len(c[1].label), c[1].label))
    out, seen = [], set()
    for _, entry in ranked:
        if distinct and entry.value in seen:
            continue
        seen.add(entry.value)
        out.append(entry)
        if len(out) == SUGGEST_KIND_LIMIT:
            break
    return out
