"""Concordance (keyword in context) of a search: `/kwic` (a table aligned on the word,
sortable by either context), `/kwic.csv`, and `/api/kwic` beside them (webui.api). Every
route takes the parameters of the results page."""
from __future__ import annotations

import datetime

from flask import Blueprint, Response, render_template, request, url_for

from search.export import csv_bytes
from search.vocabulary import DEFAULT_SORT, KWIC_SORT_LABELS, LEFT_CONTEXT, RIGHT_CONTEXT
from webui import get_searcher
from webui.params import SearchParams, read_search_params

bp = Blueprint("concordance", __name__)

CSV_COLUMNS = ("id", "title", "issue", "date", "source", "field", "left", "keyword", "right", "url")
CSV_NAME = "briefing-kwic"


def kwic_args(params: SearchParams) -> dict:
    """What `Searcher.kwic` takes of a request's search."""
    return params.selection() | {"versions": params.versions}


@bp.get("/kwic")
def kwic():
    params = read_search_params(request.args)
    result = get_searcher().kwic(**kwic_args(params)) if params.q else None
    by_context = params.sort in (LEFT_CONTEXT, RIGHT_CONTEXT)
    return render_template(
        "kwic.html", result=result, params=params,
        sorts=[{"value": s, "label": label, "url": params.url("concordance.kwic", sort=s),
                "current": s == params.sort} for s, label in KWIC_SORT_LABELS.items()],
        csv_url=params.url("concordance.kwic_csv"),
        search_url=params.url("views.search", sort=DEFAULT_SORT if by_context else params.sort))


@bp.get("/kwic.csv")
def kwic_csv():
    params = read_search_params(request.args)
    result = get_searcher().kwic(**kwic_args(params))
    rows = [line | {"url": url_for("views.item", item_id=line["id"], _external=True)} for line in result["lines"]]
    stamp = datetime.date.today().isoformat()
    return Response(csv_bytes(CSV_COLUMNS, rows), headers={
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": f'attachment; filename="{CSV_NAME}-{stamp}.csv"',
        "X-Line-Count": str(len(rows)),
    })
