"""The product's vocabulary: the names, labels and limits every stage agrees on.

Item kinds, document types, facets, sorts, id prefixes and the limits of a query and of a
results page are defined here once; the parser, the indexer, the searcher, the CLI, the
web app (and through it the templates) and the benchmarks import them. This module
imports nothing of the project, so every stage may import it.

Adding a facet is one line in `FACETS`: the schema gets a column for it, the indexer fills
it, the searcher counts and filters it, the CLI grows an option, the query language a
`name:` filter, and the web app a sidebar section and a URL parameter.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

# -- item kinds and document types ---------------------------------------------------

ARTICLE = "article"
DYNAMIC = "dynamic"
KIND_LABELS = {ARTICLE: "文章", DYNAMIC: "动态"}
KINDS = tuple(KIND_LABELS)

BRIEFING = "briefing"  # a 《援疆工作简报》 issue; any other text is one article (ARTICLE)
DOC_TYPE_LABELS = {BRIEFING: "援疆工作简报", ARTICLE: "单篇文章"}


def issue_label(key: str | None) -> str | None:
    """`2017-09` → 2017年第9期."""
    if not key:
        return None
    m = re.fullmatch(r"(\d{4})-(\d{1,3})", key)
    return f"{m.group(1)}年第{int(m.group(2))}期" if m else key


# -- facets --------------------------------------------------------------------------

BY_COUNT = "count"  # most frequent value first
NEWEST_FIRST = "newest"  # values that sort by time, latest first


@dataclass(frozen=True)
class Facet:
    """A value users filter and count results by; one ID column per facet on each item."""
    name: str  # column, URL parameter, `name:` query filter and `--name` CLI option
    label: str  # what the web pages call it
    source: str  # where the indexer reads the value: "doc.<attribute>" or "item.<attribute>"
    order: str = BY_COUNT
    help: str = ""  # the CLI option's help
    choices: tuple[str, ...] | None = None  # the only values it takes, if it is a closed set
    value_label: Callable[[str], str] | None = None  # a value as shown (None: as stored)

    def value_of(self, doc, item) -> str | None:
        """The item's value of this facet, as the index stores it."""
        owner, _, attribute = self.source.partition(".")
        value = getattr({"doc": doc, "item": item}[owner], attribute)
        return None if value is None else str(value)

    def label_of(self, value: str) -> str:
        return self.value_label(value) if self.value_label else value


FACETS = (
    Facet("group", "工作组", "item.group", help="work group, e.g. 南通"),
    Facet("issue", "期次", "doc.issue_key", NEWEST_FIRST, "issue key YYYY-NN, e.g. 2017-09",
          value_label=issue_label),
    Facet("kind", "类型", "item.kind", help="item kind", choices=KINDS, value_label=lambda v: KIND_LABELS.get(v, v)),
    Facet("year", "年份", "doc.year", NEWEST_FIRST, "year, e.g. 2017", value_label=lambda v: f"{v}年"),
    Facet("locality", "受援地", "item.locality", help="aided place, e.g. 伊宁县"),
    # Who published it: a news page's outlet, a briefing's issuing office.
    Facet("publisher", "来源", "doc.publisher", help="outlet or issuing office, e.g. 新华日报"),
)
FACET_NAMES = tuple(f.name for f in FACETS)
FACET_LABELS = {f.name: f.label for f in FACETS}
FACET_BY_NAME = {f.name: f for f in FACETS}


def facet_value_label(facet: str, value: str) -> str:
    return FACET_BY_NAME[facet].label_of(value)


# -- sorts ---------------------------------------------------------------------------

RELEVANCE = "relevance"
NEWEST = "newest"
OLDEST = "oldest"
SORT_LABELS = {RELEVANCE: "相关度", NEWEST: "最新", OLDEST: "最早"}
SORTS = tuple(SORT_LABELS)
DEFAULT_SORT = RELEVANCE

# -- versions of one story (reprints) ---------------------------------------------------

COLLAPSE = "collapse"  # a result set shows each story once, by its best-ranked version
ALL_VERSIONS = "all"  # every item, versions of one story included
VERSION_MODES = (COLLAPSE, ALL_VERSIONS)
DEFAULT_VERSIONS = COLLAPSE

# -- concordance (KWIC) --------------------------------------------------------------

LEFT_CONTEXT, RIGHT_CONTEXT = "left", "right"  # concordance lines sorted by what precedes / follows
KWIC_SORT_LABELS = SORT_LABELS | {LEFT_CONTEXT: "按左侧语境", RIGHT_CONTEXT: "按右侧语境"}
KWIC_SORTS = tuple(KWIC_SORT_LABELS)
KWIC_CONTEXT_CHARS = 30  # characters of context on either side of the word
KWIC_MAX_LINES = 2000  # lines of one concordance, taken in the order of the results

# -- suggestions while typing -----------------------------------------------------------

SUGGEST_LIMIT = 8  # suggestions in the list
SUGGEST_KIND_LIMIT = 3  # of one kind (groups, places, issues, outlets, words, titles)
SUGGEST_MAX_CHARS = 40  # longer input gets no suggestions
SUGGEST_WORDS = 20_000  # the most frequent words of the collection that may be suggested

# -- ids -----------------------------------------------------------------------------

FILE_ID_PREFIX = "file:"  # a file record's id is the prefix and its source name; items have none

# -- limits --------------------------------------------------------------------------

DEFAULT_LIMIT = 10  # results per page
MAX_LIMIT = 100
MAX_DEPTH = 1000  # deepest result reachable by paging
FACET_LIMIT = 30  # values listed per facet (selected ones always are): a sidebar, not a table
MAX_QUERY_CHARS = 200  # the query language refuses a longer query, saying so
MAX_QUERY_TERMS = 24
MAX_QUERY_PARAM_CHARS = 400  # a longer `q` parameter is refused before it is parsed
MAX_FILTER_CHARS = 100  # per filter value of a request
MAX_FILTER_VALUES = 30  # per facet of a request

# -- dates, timeline, overview, exports, feed ----------------------------------------

DATE_FROM, DATE_TO = "date_from", "date_to"  # URL parameters (and Searcher arguments) of a date range
DATE_PARAMS = (DATE_FROM, DATE_TO)
MAX_DATE_CHARS = 20  # per date parameter of a request
TIMELINE_MONTHS = 60  # a timeline spanning more months than this counts years instead
EXPORT_LIMIT = 5000  # items one export may hold: beyond it, the user narrows the search
EXPORT_FORMATS = {"csv": "CSV", "xlsx": "Excel", "jsonl": "JSON Lines"}  # format → button label
FEED_ITEMS = 50  # newest matching items in an Atom feed
OVERVIEW_NEWEST_ISSUES = 8
OVERVIEW_TOP_LOCALITIES = 15
VERSIONS_LISTED = 50  # other versions listed with a hit or an item; `versions_total` counts all
