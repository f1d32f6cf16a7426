"""Reading the search parameters of a request, the same for the HTML page and the API.

Only the shape is checked here (integers, lengths); the Searcher checks the values
(known sort, limit range, page depth) and says what is wrong in both languages.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from werkzeug.datastructures import MultiDict

from search.query.language import QueryError

FACETS = ("group", "issue", "kind", "year", "locality")
SORTS = ("relevance", "newest", "oldest")
SORT_LABELS = {"relevance": "相关度", "newest": "最新", "oldest": "最早"}
DEFAULT_LIMIT = 10
MAX_Q_CHARS = 400  # a longer q is refused here; the Searcher's own limit is lower
MAX_FILTER_CHARS = 100
MAX_FILTER_VALUES = 30


@dataclass
class SearchParams:
    q: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)
    sort: str = "relevance"
    page: int = 1
    limit: int = DEFAULT_LIMIT

    def kwargs(self) -> dict:
        return {"q": self.q, "filters": self.filters, "sort": self.sort, "page": self.page,
                "limit": self.limit}

    def url_args(self, **changes) -> MultiDict:
        """Query-string arguments for this search, with `changes` applied; defaults left out."""
        q = changes.get("q", self.q)
        filters = changes.get("filters", self.filters)
        sort = changes.get("sort", self.sort)
        page = changes.get("page", self.page)
        limit = changes.get("limit", self.limit)
        args = MultiDict()
        if q:
            args.add("q", q)
        for facet in FACETS:
            for value in filters.get(facet, []):
                args.add(facet, value)
        if sort != "relevance":
            args.add("sort", sort)
        if limit != DEFAULT_LIMIT:
            args.add("limit", str(limit))
        if page != 1:
            args.add("page", str(page))
        return args

    def toggled(self, facet: str, value: str) -> dict[str, list[str]]:
        """Filters with `value` of `facet` switched on or off (OR within a facet)."""
        filters = {f: list(vs) for f, vs in self.filters.items()}
        values = filters.setdefault(facet, [])
        if value in values:
            values.remove(value)
        else:
            values.append(value)
        return {f: vs for f, vs in filters.items() if vs}


def _int(args: MultiDict, name: str, default: int) -> int:
    raw = args.get(name, "")
    if raw.strip() == "":
        return default
    try:
        return int(raw.strip(), 10)
    except ValueError:
        raise QueryError(f"参数 {name} 应为整数，收到 {raw[:20]!r} / {name} must be an integer") from None


def read_q(args: MultiDict) -> str:
    q = args.get("q", "")
    if len(q) > MAX_Q_CHARS:
        raise QueryError(f"查询太长（{len(q)} 个字符）：请缩短查询 / query too long ({len(q)} characters)")
    return q.strip()


def read_search_params(args: MultiDict) -> SearchParams:
    """The search of a request's query string; raises QueryError for malformed values."""
    q = read_q(args)
    filters: dict[str, list[str]] = {}
    for facet in FACETS:
        values = []
        for v in args.getlist(facet):
            v = v.strip()
            if len(v) > MAX_FILTER_CHARS:
                raise QueryError(f"筛选值太长 / filter value too long ({facet})")
            if v and v not in values:
                values.append(v)
        if len(values) > MAX_FILTER_VALUES:
            raise QueryError(f"筛选值太多 / too many values for {facet}")
        if values:
            filters[facet] = values
    sort = args.get("sort", "").strip() or "relevance"
    return SearchParams(q=q, filters=filters, sort=sort, page=_int(args, "page", 1),
                        limit=_int(args, "limit", DEFAULT_LIMIT))
