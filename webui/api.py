"""JSON API: the Searcher's answers, unchanged but for each facet value's `toggle_url`
(webui.facets). Errors: {"error": {status, message}}."""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from webui import get_searcher
from webui.concordance import kwic_args
from webui.facets import add_toggle_urls
from webui.params import read_q, read_search_params

bp = Blueprint("api", __name__)


@bp.get("/search")
def search():
    params = read_search_params(request.args)
    result = get_searcher().search(**params.kwargs())
    return jsonify(add_toggle_urls(result, params.as_run(result), "api.search"))


@bp.get("/kwic")
def kwic():
    return jsonify(get_searcher().kwic(**kwic_args(read_search_params(request.args))))


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
