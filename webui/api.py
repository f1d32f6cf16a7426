"""JSON API: the Searcher's answers, unchanged but for each facet value's `toggle_url`
(webui.facets). Errors: {"error": {status, message}}."""
from __future__ import annotations

from flask import Blueprint, jsonify, request, url_for

from webui import get_searcher
from webui.concordance import kwic_args
from webui.facets import add_toggle_urls
from search.query.suggest import SUGGESTED_FACETS, TITLE, WORD
from webui.params import SearchParams, read_q, read_search_params

bp = Blueprint("api", __name__)


@bp.get("/search")
def search():
    params = read_search_params(request.args)
    result = get_searcher().search(**params.kwargs())
    return jsonify(add_toggle_urls(result, params.as_run(result), "api.search"))


@bp.get("/kwic")
def kwic():
    return jsonify(get_searcher().kwic(**kwic_args(read_search_params(request.args))))


@bp.get("/suggest")
def suggest():
    """What to suggest for the typed `q`, each with the address it leads to: a facet value
    filters the results, a word searches for it, a title opens its item."""
    result = get_searcher().suggest(read_q(request.args))
    for entry in result["suggestions"]:
        entry["url"] = _suggestion_url(entry)
    return jsonify(result)


def _suggestion_url(entry: dict) -> str:
    if entry["kind"] in SUGGESTED_FACETS:
        return SearchParams(filters={entry["kind"]: [entry["value"]]}).url()
    if entry["kind"] == WORD:
        return SearchParams(q=entry["value"]).url()
    assert entry["kind"] == TITLE
    return url_for("views.item", item_id=entry["value"])


@bp.get("/items/<item_id>")
def item(item_id: str):
    q = read_q(request.args)
    return jsonify(get_searcher().item(item_id, q=q))


@bp.get("/files/<fid>")
def file(fid: str):
    return jsonify(get_searcher().file(fid))


@bp.get("/issues")
def issues():
    return jsonify(get_searcher().issues())


@bp.get("/issues/<key>")
def issue(key: str):
    return jsonify(get_searcher().issue(key))


@bp.get("/groups")
def groups():
    return jsonify(get_searcher().facet_values("group"))


@bp.get("/groups/<name>")
def group(name: str):
    return jsonify(get_searcher().group(name))


@bp.get("/overview")
def overview():
    return jsonify(get_searcher().overview())
