"""The user's query language, and the Whoosh queries built from it.

Syntax: words separated by spaces (all required when that finds enough), "quoted
phrases", -exclusion, `title:` / `body:` to search one field, and `group:` `issue:`
`kind:` `year:` `locality:` to filter. Anything else is text: a query never fails to
parse, it only fails to be sensible (too long, nothing to look for), and then says so.

Ranking design: a word found in the title counts more than in the body; a run of
characters Jieba cannot split (an unknown name) must appear contiguously; words from the
related-terms file widen the search but always weigh less than the literal word.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from whoosh import query as Q

from search.analysis import is_cjk, normalize, query_words
from search.errors import SearchError

MAX_QUERY_CHARS = 200
MAX_UNITS = 24
TITLE_BOOST = 3.0
CHARS_BOOST = 0.5  # single characters found only inside longer words
RELATED_BOOST = 0.35
PHRASE_BONUS = 1.0  # the words of one chunk, side by side

TEXT_FIELDS = ("title", "body")
FILTER_FIELDS = ("group", "issue", "kind", "year", "locality")
KIND_NAMES = {"文章": "article", "article": "article", "动态": "dynamic", "dynamic": "dynamic"}

_TOKEN = re.compile(r'(-?)(?:([A-Za-z]+)[:：])?(?:["“”「」]([^"“”「」]*)["“”「」]?|([^\s"“”「」]+))')


class QueryError(SearchError):
    """A query that cannot be run; the message tells the user what to change."""


@dataclass
class Unit:
    """One thing to look for: a chunk the user typed, or a quoted phrase."""
    text: str
    words: list[str]
    field: str | None = None  # "title" or "body"; None: both
    exact: bool = False


@dataclass
class ParsedQuery:
    units: list[Unit] = field(default_factory=list)
    excluded: list[Unit] = field(default_factory=list)
    filters: dict[str, list[str]] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not self.units


def normalize_filter(name: str, value: str) -> str:
    value = normalize(value.strip())
    if name == "kind":
        return KIND_NAMES.get(value, value)
    if name == "issue":
        m = re.fullmatch(r"(\d{4})\D+(\d{1,3})", value)
        return f"{m.group(1)}-{int(m.group(2)):02d}" if m else value
    return value


def parse_query(text: str) -> ParsedQuery:
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"查询太长（{len(text)} 个字符，最多 {MAX_QUERY_CHARS}）：请缩短查询 / "
                         f"query too long ({len(text)} characters, at most {MAX_QUERY_CHARS})")
    parsed = ParsedQuery()
    for m in _TOKEN.finditer(text):
        negated, prefix, quoted, bare = m.group(1), (m.group(2) or "").lower(), m.group(3), m.group(4)
        raw = quoted if quoted is not None else bare
        if prefix in FILTER_FIELDS:
            if raw.strip():
                parsed.filters.setdefault(prefix, []).append(normalize_filter(prefix, raw))
            continue
        if prefix and prefix not in TEXT_FIELDS:  # not our syntax: it is text after all
            raw, prefix = f"{m.group(2)}:{raw}", ""
        words = query_words(raw)
        if not words:
            continue
        unit = Unit(normalize("".join(words)), words, prefix or None, exact=quoted is not None)
        (parsed.excluded if negated else parsed.units).append(unit)
    if len(parsed.units) + len(parsed.excluded) > MAX_UNITS:
        raise QueryError(f"查询的词太多（最多 {MAX_UNITS} 个）/ too many terms (at most {MAX_UNITS})")
    if parsed.excluded and not parsed.units:
        raise QueryError("查询只有排除词：请至少给出一个要查找的词 / "
                         "the query only excludes words: give at least one word to look for")
    return parsed


@lru_cache(maxsize=1)
def related_terms() -> dict[str, tuple[str, ...]]:
    """Query word → words the text may use instead (data/related.toml)."""
    raw = tomllib.loads(resources.files("search.data").joinpath("related.toml").read_text("utf-8"))
    return {normalize(k): tuple(normalize(v) for v in vs) for k, vs in raw["related"].items()}


def _pieces(words: list[str]) -> list[list[str]]:
    """Group a chunk's words: a run of single CJK characters is one piece that must stay whole."""
    pieces: list[list[str]] = []
    for w in words:
        single = len(w) == 1 and is_cjk(w)
        if single and pieces and len(pieces[-1][-1]) == 1 and is_cjk(pieces[-1][-1]):
            pieces[-1].append(w)
        else:
            pieces.append([w])
    return pieces


class WordsWithChar(Q.Or):
    """The words of a field that hold one character, scored together as one term.

    A plain Or would score hundreds of words one by one (援 is in 援疆, 受援地, 援建 …);
    the scorer sums their frequencies per document instead.
    """

    def __init__(self, fieldname: str, char: str, words: list[str], boost: float = 1.0):
        super().__init__([Q.Term(fieldname, w) for w in words], boost=boost)
        self.fieldname, self.char = fieldname, char


class _Compiler:
    """Builds the Whoosh query of each unit, collecting the strings worth highlighting.

    `words_containing(field, ch)` lists the indexed words holding the character `ch`:
    a single character is also found inside longer words (援 in 援疆), scored lower.
    """

    def __init__(self, words_containing=None):
        self.words_containing = words_containing
        self.highlights: list[str] = []

    def literal(self, words: list[str], fields, boost: float = 1.0) -> Q.Query:
        """Match `words` side by side in any of `fields` (titles weighted up)."""
        parts = []
        for f in fields:
            fb = boost * (TITLE_BOOST if f == "title" else 1.0)
            if len(words) > 1:
                parts.append(Q.Phrase(f, list(words), boost=fb))
                continue
            parts.append(Q.Term(f, words[0], boost=fb))
            if self.words_containing and len(words[0]) == 1 and is_cjk(words[0]):
                inside = [w for w in self.words_containing(f, words[0]) if w != words[0]]
                if inside:
                    parts.append(WordsWithChar(f, words[0], inside, boost=fb * CHARS_BOOST))
        return Q.Or(parts)

    def with_related(self, text: str, query: Q.Query, fields) -> Q.Query:
        extra = []
        for alt in related_terms().get(text, ()):
            words = query_words(alt)
            if words:
                extra.append(self.literal(words, fields, RELATED_BOOST))
                self.highlights.append("".join(words))
        return Q.Or([query] + extra) if extra else query

    def unit(self, unit: Unit) -> Q.Query:
        fields = (unit.field,) if unit.field else TEXT_FIELDS
        self.highlights.append(unit.text)
        if unit.exact:
            return self.literal(unit.words, fields)
        parts = []
        for piece in _pieces(unit.words):
            text = "".join(piece)
            self.highlights.append(text)
            parts.append(self.with_related(text, self.literal(piece, fields), fields))
        if len(parts) == 1:
            return parts[0]
        together = Q.AndMaybe(Q.And(parts), self.literal(unit.words, fields, PHRASE_BONUS))
        return self.with_related(unit.text, together, fields)


@dataclass
class CompiledQuery:
    units: list[Q.Query]
    excluded: Q.Query | None
    highlights: list[str]

    def _finish(self, q: Q.Query) -> Q.Query:
        return Q.AndNot(q, self.excluded) if self.excluded is not None else q

    def all_words(self) -> Q.Query:
        return self._finish(self.units[0] if len(self.units) == 1 else Q.And(self.units))

    def any_word(self) -> Q.Query:
        return self._finish(self.units[0] if len(self.units) == 1 else Q.Or(self.units))


def compile_query(parsed: ParsedQuery, words_containing=None) -> CompiledQuery:
    compiler = _Compiler(words_containing)
    units = [compiler.unit(u) for u in parsed.units]
    excluded = None
    if parsed.excluded:
        excluded = Q.Or([compiler.literal(u.words, (u.field,) if u.field else TEXT_FIELDS)
                         for u in parsed.excluded])
    # Longest first, so a regex alternation prefers 伊宁县 to 伊宁.
    unique = sorted({h for h in compiler.highlights if h}, key=len, reverse=True)
    return CompiledQuery(units, excluded, unique)
