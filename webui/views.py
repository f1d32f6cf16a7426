"""HTML pages: search, item (with its source), issue, issue list, group."""
from __future__ import annotations

from flask import Blueprint, render_template, request, url_for

from search.query.language import join_terms, split_terms
from search.vocabulary import ALL_VERSIONS, COLLAPSE, DATE_PARAMS, DEFAULT_SORT, EXPORT_FORMATS, EXPORT_LIMIT, SORT_LABELS
from webui import get_searcher
from webui.facets import add_toggle_urls, selected, sidebar
from webui.params import SearchParams, read_q, read_search_params
from webui.render import period_label, source_view, timeline_chart

bp = Blueprint("views", __name__)

SUGGESTED_WORDS = 4  # "search only for …" links offered when nothing was found


HEAT_LEVELS = 5  # shades of the overview's heat map, besides "none"


def timeline_view(data: dict, link) -> dict | None:
    """What the timeline figure shows: the SVG chart and, as its text alternative, a table
    of the same periods and links. `link(entry)` narrows to a period."""
    if not data.get("timeline"):
        return None
    rows = [entry | {"label": period_label(entry["period"]), "url": link(entry) if entry["count"] else None}
            for entry in data["timeline"]]
    return {"chart": timeline_chart(data["timeline"], data["granularity"], link), "rows": rows,
            "granularity": data["granularity"], "undated": data.get("undated", 0),
            "dated": sum(e["count"] for e in data["timeline"]),
            "first": rows[0]["label"], "last": rows[-1]["label"]}


def _narrowed(endpoint: str = "views.search", **args):
    """A timeline bar's link: the search of `args` within the bar's period."""
    return lambda entry: url_for(endpoint, **args, date_from=entry["from"], date_to=entry["to"])


def heat_levels(table: dict) -> list[list[int]]:
    """The shade of each cell of the groups × years table: 0 for none, else 1..HEAT_LEVELS
    by the cell's share of the largest count (classes, as the CSP forbids inline styles)."""
    top = table["max"] or 1
    return [[0 if n == 0 else 1 + min(HEAT_LEVELS - 1, (n * HEAT_LEVELS - 1) // top) for n in row["counts"]]
            for row in table["rows"]]


def _pages(page: int, pages: int) -> list[int | None]:
    """Page numbers to show: first, last and two either side of the current; None = gap."""
    shown = sorted({1, pages, *range(max(1, page - 2), min(pages, page + 2) + 1)} - {0})
    out: list[int | None] = []
    for n in shown:
        if out and n - (out[-1] or 0) > 1:
            out.append(None)
        out.append(n)
    return out


def _suggestions(params: SearchParams, chips: list[dict]) -> list[dict]:
    """What to try when nothing was found: drop a filter, simplify the query."""
    out = [{"text": f"去掉筛选“{chip['facet_label']}：{chip['label']}”", "url": chip["toggle_url"]}
           for chip in chips]
    if params.date_from or params.date_to:
        out.append({"text": "去掉日期范围", "url": params.url(page=1, **dict.fromkeys(DATE_PARAMS, ""))})
    if len(chips) > 1:
        out.append({"text": "清除全部筛选", "url": params.url(page=1, **params.unfiltered())})
    terms = split_terms(params.q)
    unquoted = join_terms(t.unquoted() for t in terms)
    if any(t.quoted for t in terms):
        out.append({"text": "不用引号（不要求词语紧挨着）", "url": params.url(q=unquoted, page=1)})
    if any(t.negated for t in terms):
        out.append({"text": "不排除任何词", "url": params.url(q=join_terms(t for t in terms if not t.negated), page=1)})
    words = [t for t in split_terms(unquoted) if not t.negated and not t.filter]  # a phrase's words too
    if len(words) > 1:
        for t in words[:SUGGESTED_WORDS]:
            out.append({"text": f"只搜“{t.typed}”", "url": params.url(q=t.typed, page=1)})
    return out


@bp.get("/")
def search():
    params = read_search_params(request.args)
    result = get_searcher().search(**params.kwargs())
    shown = params.as_run(result)
    add_toggle_urls(result, shown, "views.search")
    chips = selected(result)
    undated = dict.fromkeys(DATE_PARAMS, "")
    date_chip = None
    if shown.date_from or shown.date_to:
        date_chip = {"label": f"{shown.date_from or '…'} 至 {shown.date_to or '…'}",
                     "toggle_url": shown.url(page=1, **undated)}
    pages = _pages(result["page"], result["pages"]) if result["pages"] > 1 else []
    # Exports and the feed take the whole result set: the search without page or page size.
    whole = SearchParams(q=shown.q, filters=shown.filters, sort=shown.sort, date_from=shown.date_from,
                         date_to=shown.date_to)
    return render_template(
        "search.html", result=result, params=shown, facets=sidebar(result), chips=chips, date_chip=date_chip,
        sorts=list(SORT_LABELS.items()), pages=pages,
        page_url=lambda n: shown.url(page=n),
        versions_url=shown.url(page=1, versions=ALL_VERSIONS if result["collapsed"] else COLLAPSE),
        clear_url=shown.url(page=1, **shown.unfiltered()) if chips or date_chip else None,
        suggestions=_suggestions(shown, chips) if result["total"] == 0 else [],
        timeline=timeline_view(result, lambda e: shown.url(page=1, date_from=e["from"], date_to=e["to"])),
        exports=[{"format": f, "label": label, "url": whole.url(f"exports.export_{f}")}
                 for f, label in EXPORT_FORMATS.items()],
        export_limit=EXPORT_LIMIT, feed_url=whole.url("exports.feed", sort=DEFAULT_SORT),
        kwic_url=shown.url("concordance.kwic", page=1) if result["terms"] else None,
    )


@bp.get("/item/<item_id>")
def item(item_id: str):
    q = read_q(request.args)
    data = get_searcher().item(item_id, q=q)
    return render_template("item.html", item=data, q=q, source_html=source_view(data["source_text"]))


@bp.get("/issues")
def issues():
    searcher = get_searcher()
    works = searcher.issues()
    return render_template("issues.html", issues=works, files=sum(len(w["files"]) for w in works),
                           timeline=timeline_view(searcher.timeline(), _narrowed()))


@bp.get("/overview")
def overview():
    data = get_searcher().overview()
    return render_template("overview.html", overview=data, timeline=timeline_view(data, _narrowed()),
                           heat=heat_levels(data["groups_by_year"]))


@bp.get("/issue/<key>")
def issue(key: str):
    return render_template("issue.html", issue=get_searcher().issue(key))


@bp.get("/groups")
def groups():
    return render_template("groups.html", groups=get_searcher().facet_values("group"))


@bp.get("/group/<name>")
def group(name: str):
    data = get_searcher().group(name)
    return render_template("group.html", group=data, timeline=timeline_view(data, _narrowed(group=data["group"])))
