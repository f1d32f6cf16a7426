"""The user's query language, and the Whoosh queries built from it.

Syntax: words separated by spaces (all required when that finds enough), "quoted
phrases", -exclusion, `title:` / `body:` to search one field, and `name:` of a facet
(`group:` `issue:` `kind:` `year:` `locality:` …, see search.vocabulary) to filter. Anything else is text: a query never fails to
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
from search.vocabulary import FACET_NAMES, KIND_LABELS, MAX_QUERY_CHARS, MAX_QUERY_TERMS

TITLE_BOOST = 3.0
CHARS_BOOST = 0.5  # single characters found only inside longer words
RELATED_BOOST = 0.35
PHRASE_BONUS = 1.0  # the words of one chunk, side by side

TEXT_FIELDS = ("title", "body")
FILTER_FIELDS = FACET_NAMES
KIND_NAMES = {kind: kind for kind in KIND_LABELS} | {label: kind for kind, label in KIND_LABELS.items()}

QUOTES = '"“”「」'
_TERM = re.compile(rf'(-?)(?:([A-Za-z]+)[:：])?(?:[{QUOTES}]([^{QUOTES}]*)[{QUOTES}]?|([^\s{QUOTES}]+))')


class QueryError(SearchError):
    """A query that cannot be run; the message tells the user what to change."""


@dataclass
class Unit:
    """One thing to look for: a chunk the user typed, or a quoted phrase."""
    text: str
    words: list[str]
    field: str | None = None  # "title" or "body"; None: both
    exact: bool = False


@dataclass(frozen=True)
class Term:
    """One term of a query as the user typed it, before any analysis."""
    typed: str  # e.g. -title:"援疆 干部"
    value: str  # without sign, prefix and quotes: 援疆 干部
    negated: bool = False
    prefix: str = ""  # as typed before the colon: a text field, a facet, or (then text) anything else
    quoted: bool = False

    @property
    def filter(self) -> str | None:
        """The facet this term filters by, if it is a filter."""
        prefix = self.prefix.lower()
        return prefix if prefix in FILTER_FIELDS else None

    @property
    def field(self) -> str | None:
        """The text field this term is confined to, if any."""
        prefix = self.prefix.lower()
        return prefix if prefix in TEXT_FIELDS else None

    @property
    def text(self) -> str:
        """What is looked for: the value, or for an unknown prefix, prefix and value."""
        if self.prefix and not self.filter and not self.field:
            return f"{self.prefix}:{self.value}"
        return self.value

    def unquoted(self) -> str:
        """The term as typed, without its quotes (its words no longer side by side)."""
        return ("-" if self.negated else "") + (f"{self.prefix}:" if self.prefix else "") + self.value


def split_terms(text: str) -> list[Term]:
    """The query's terms in the order typed."""
    return [Term(m.group(0), m.group(3) if m.group(3) is not None else m.group(4), bool(m.group(1)),
                 m.group(2) or "", m.group(3) is not None) for m in _TERM.finditer(text)]


def join_terms(terms) -> str:
    return " ".join(t if isinstance(t, str) else t.typed for t in terms)


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
        m = re.fullmatch(r"(\d{4})\D+(\d{1,3})\D*", value)  # 2017-9, 2017年第9期
        return f"{m.group(1)}-{int(m.group(2)):02d}" if m else value
    return value


def parse_query(text: str) -> ParsedQuery:
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"查询太长（{len(text)} 个字符，最多 {MAX_QUERY_CHARS}）：请缩短查询 / "
                         f"query too long ({len(text)} characters, at most {MAX_QUERY_CHARS})")
    parsed = ParsedQuery()
    for term in split_terms(text):
        if term.filter:
            if term.value.strip():
                parsed.filters.setdefault(term.filter, []).append(normalize_filter(term.filter, term.value))
            continue
        words = query_words(term.text)
        if not words:
            continue
        unit = Unit(normalize("".join(words)), words, term.field, exact=term.quoted)
        (parsed.excluded if term.negated else parsed.units).append(unit)
    if len(parsed.units) + len(parsed.excluded) > MAX_QUERY_TERMS:
        raise QueryError(f"查询的词太多（最多 {MAX_QUERY_TERMS} 个）/ too many terms (at most {MAX_QUERY_TERMS})")
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
