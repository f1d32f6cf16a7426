"""Reading the search parameters of a request, the same for the HTML page and the API.

Only the shape is checked here (integers, lengths); the Searcher checks the values
(known sort, limit range, page depth) and says what is wrong in both languages.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from flask import url_for
from werkzeug.datastructures import MultiDict

from search.query.language import QueryError, join_terms, normalize_filter, split_terms
from search.vocabulary import (DATE_PARAMS, DEFAULT_LIMIT, DEFAULT_SORT, DEFAULT_VERSIONS, FACET_NAMES, MAX_DATE_CHARS,
                               MAX_FILTER_CHARS, MAX_FILTER_VALUES, MAX_QUERY_PARAM_CHARS)


@dataclass
class SearchParams:
    q: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)
    sort: str = DEFAULT_SORT
    page: int = 1
    limit: int = DEFAULT_LIMIT
    date_from: str = ""
    date_to: str = ""
    versions: str = DEFAULT_VERSIONS

    def kwargs(self) -> dict:
        return {"q": self.q, "filters": self.filters, "sort": self.sort, "page": self.page,
                "limit": self.limit, "date_from": self.date_from, "date_to": self.date_to,
                "versions": self.versions}

    def selection(self) -> dict:
        """The result set without its paging: what an export or a feed takes."""
        return {"q": self.q, "filters": self.filters, "sort": self.sort, "date_from": self.date_from,
                "date_to": self.date_to}

    def as_run(self, result: dict) -> "SearchParams":
        """This search as the Searcher ran it: filters typed in the query joined to the
        given ones, the page and limit it answered, its dates as ISO days."""
        return SearchParams(q=self.q, filters=result["filters"], sort=self.sort, page=result["page"],
                            limit=result["limit"], date_from=result["date_range"]["from"] or "",
                            date_to=result["date_range"]["to"] or "", versions=self.versions)

    def url_args(self, **changes) -> MultiDict:
        """Query-string arguments for this search, with `changes` applied; defaults left out."""
        q = changes.get("q", self.q)
        filters = changes.get("filters", self.filters)
        sort = changes.get("sort", self.sort)
        page = changes.get("page", self.page)
        limit = changes.get("limit", self.limit)
        versions = changes.get("versions", self.versions)
        args = MultiDict()
        if q:
            args.add("q", q)
        for facet in FACET_NAMES:
            for value in filters.get(facet, []):
                args.add(facet, value)
        for name in DATE_PARAMS:
            if value := changes.get(name, getattr(self, name)):
                args.add(name, value)
        if sort != DEFAULT_SORT:
            args.add("sort", sort)
        if limit != DEFAULT_LIMIT:
            args.add("limit", str(limit))
        if versions != DEFAULT_VERSIONS:
            args.add("versions", versions)
        if page != 1:
            args.add("page", str(page))
        return args

    def url(self, endpoint: str = "views.search", **changes) -> str:
        """The URL of this search (the page, or with "api.search" its JSON), with `changes`."""
        # A results page links every facet value: encode the arguments directly rather than
        # through url_for's per-argument conversion, several times slower.
        query = urlencode(list(self.url_args(**changes).items(multi=True)))
        return url_for(endpoint) + (f"?{query}" if query else "")

    def toggle(self, facet: str, value: str) -> dict:
        """The changes (to `url`) that switch `value` of `facet` on or off, OR within a facet.

        Switching off also drops the filter where it was typed in the query (`group:南通`),
        else the query would select it again.
        """
        filters = {f: list(vs) for f, vs in self.filters.items()}
        values = filters.setdefault(facet, [])
        changes: dict = {"filters": filters}
        if value in values:
            values.remove(value)
            terms = split_terms(self.q)
            kept = [t for t in terms if not (t.filter == facet and normalize_filter(facet, t.value) == value)]
            if len(kept) < len(terms):
                changes["q"] = join_terms(kept)
        else:
            values.append(value)
        changes["filters"] = {f: vs for f, vs in filters.items() if vs}
        return changes

    def unfiltered(self) -> dict:
        """The changes (to `url`) that drop every filter, those typed in the query and the
        date range too."""
        return {"filters": {}, "q": join_terms(t for t in split_terms(self.q) if not t.filter),
                **dict.fromkeys(DATE_PARAMS, "")}


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
    if len(q) > MAX_QUERY_PARAM_CHARS:
        raise QueryError(f"查询太长（{len(q)} 个字符）：请缩短查询 / query too long ({len(q)} characters)")
    return q.strip()


def read_search_params(args: MultiDict) -> SearchParams:
    """The search of a request's query string; raises QueryError for malformed values."""
    q = read_q(args)
    filters: dict[str, list[str]] = {}
    for facet in FACET_NAMES:
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
    sort = args.get("sort", "").strip() or DEFAULT_SORT
    dates = {}
    for name in DATE_PARAMS:
        dates[name] = args.get(name, "").strip()
        if len(dates[name]) > MAX_DATE_CHARS:
            raise QueryError(f"日期太长 / {name} too long")
    return SearchParams(q=q, filters=filters, sort=sort, page=_int(args, "page", 1),
                        limit=_int(args, "limit", DEFAULT_LIMIT),
                        versions=args.get("versions", "").strip() or DEFAULT_VERSIONS, **dates)
