"""HTML pages: search, item (with its source), issue, issue list, group."""
from __future__ import annotations

import re
from urllib.parse import urlencode

from flask import Blueprint, render_template, request, url_for

from webui import get_searcher
from webui.params import FACETS, SORT_LABELS, SORTS, SearchParams, read_q, read_search_params
from webui.render import source_view

bp = Blueprint("views", __name__)

FACET_LABELS = {"group": "工作组", "issue": "期次", "kind": "类型", "year": "年份", "locality": "受援地"}
FACET_ORDER = ("group", "issue", "kind", "year", "locality")
KIND_VALUE_LABELS = {"article": "文章", "dynamic": "动态"}


def _url(params: SearchParams, **changes) -> str:
    # A results page links every facet value: encode the arguments directly rather than
    # through url_for's per-argument conversion, several times slower.
    query = urlencode(list(params.url_args(**changes).items(multi=True)))
    return url_for("views.search") + (f"?{query}" if query else "")


def _filter_label(facet: str, value: str) -> str:
    if facet == "kind":
        return KIND_VALUE_LABELS.get(value, value)
    if facet == "issue":
        m = re.fullmatch(r"(\d{4})-(\d{1,3})", value)
        return f"{m.group(1)}年第{int(m.group(2))}期" if m else value
    if facet == "year" and value.isdigit():
        return f"{value}年"
    return value


def _pages(page: int, pages: int) -> list[int | None]:
    """Page numbers to show: first, last and two either side of the current; None = gap."""
    shown = sorted({1, pages, *range(max(1, page - 2), min(pages, page + 2) + 1)} - {0})
    out: list[int | None] = []
    for n in shown:
        if out and n - (out[-1] or 0) > 1:
            out.append(None)
        out.append(n)
    return out


def _suggestions(params: SearchParams) -> list[dict]:
    """What to try when nothing was found: drop a filter, simplify the query."""
    out = []
    for facet, values in params.filters.items():
        for value in values:
            out.append({"text": f"去掉筛选“{FACET_LABELS.get(facet, facet)}：{_filter_label(facet, value)}”",
                        "url": _url(params, filters=params.toggled(facet, value), page=1)})
    if len(params.filters) > 0 and sum(len(v) for v in params.filters.values()) > 1:
        out.append({"text": "清除全部筛选", "url": _url(params, filters={}, page=1)})
    q = params.q
    if re.search(r'["“”「」]', q):
        out.append({"text": "不用引号（不要求词语紧挨着）",
                    "url": _url(params, q=re.sub(r'["“”「」]', " ", q).strip(), page=1)})
    if re.search(r"(^|\s)-\S", q):
        out.append({"text": "不排除任何词", "url": _url(params, q=re.sub(r"(^|\s)-\S+", " ", q).strip(), page=1)})
    words = [w for w in re.split(r"\s+", q) if w and not w.startswith("-")]
    if len(words) > 1:
        for w in words[:4]:
            out.append({"text": f"只搜“{w}”", "url": _url(params, q=w, page=1)})
    return out


@bp.get("/")
def search():
    params = read_search_params(request.args)
    result = get_searcher().search(**params.kwargs())
    shown = SearchParams(q=params.q, filters=result["filters"], sort=params.sort,
                         page=result["page"], limit=result["limit"])
    facets = []
    for facet in FACET_ORDER:
        values = [v | {"url": _url(shown, filters=shown.toggled(facet, v["value"]), page=1)}
                  for v in result["facets"].get(facet, [])]
        if values:
            facets.append({"name": facet, "label": FACET_LABELS[facet], "options": values,
                           "selected": sum(1 for v in values if v["selected"])})
    chips = [{"facet": facet, "facet_label": FACET_LABELS.get(facet, facet),
              "label": _filter_label(facet, value),
              "url": _url(shown, filters=shown.toggled(facet, value), page=1)}
             for facet, values in result["filters"].items() for value in values]
    pages = _pages(result["page"], result["pages"]) if result["pages"] > 1 else []
    return render_template(
        "search.html", result=result, params=shown, facets=facets, chips=chips,
        sorts=[(s, SORT_LABELS[s]) for s in SORTS], pages=pages,
        page_url=lambda n: _url(shown, page=n),
        clear_url=_url(shown, filters={}, page=1) if chips else None,
        suggestions=_suggestions(shown) if result["total"] == 0 else [],
    )


@bp.get("/item/<item_id>")
def item(item_id: str):
    q = read_q(request.args)
    data = get_searcher().item(item_id, q=q)
    return render_template("item.html", item=data, q=q, source_html=source_view(data["source_text"]))


@bp.get("/issues")
def issues():
    return render_template("issues.html", issues=get_searcher().issues())


@bp.get("/issue/<key>")
def issue(key: str):
    return render_template("issue.html", issue=get_searcher().issue(key))


@bp.get("/groups")
def groups():
    return render_template("groups.html", groups=get_searcher().facet_values("group"))


@bp.get("/group/<name>")
def group(name: str):
    return render_template("group.html", group=get_searcher().group(name))


@bp.app_context_processor
def helpers():
    return {"facets_all": FACETS, "facet_labels": FACET_LABELS}
