"""HTML pages: search, item (with its source), issue, issue list, group."""
from __future__ import annotations

from flask import Blueprint, render_template, request

from search.query.language import join_terms, split_terms
from search.vocabulary import SORT_LABELS
from webui import get_searcher
from webui.facets import add_toggle_urls, selected, sidebar
from webui.params import SearchParams, read_q, read_search_params
from webui.render import source_view

bp = Blueprint("views", __name__)

SUGGESTED_WORDS = 4  # "search only for …" links offered when nothing was found


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
    pages = _pages(result["page"], result["pages"]) if result["pages"] > 1 else []
    return render_template(
        "search.html", result=result, params=shown, facets=sidebar(result), chips=chips,
        sorts=list(SORT_LABELS.items()), pages=pages,
        page_url=lambda n: shown.url(page=n),
        clear_url=shown.url(page=1, **shown.unfiltered()) if chips else None,
        suggestions=_suggestions(shown, chips) if result["total"] == 0 else [],
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
