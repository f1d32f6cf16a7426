"""JSON API: the Searcher's answers, unchanged. Errors: {"error": {status, message}}."""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from webui import get_searcher
from webui.params import read_q, read_search_params

bp = Blueprint("api", __name__)


@bp.get("/search")
def search():
    params = read_search_params(request.args)
    return jsonify(get_searcher().search(**params.kwargs()))


@bp.get("/items/<item_id>")
def item(item_id: str):
    q = read_q(request.args)
    return jsonify(get_searcher().item(item_id, q=q))


@bp.get("/issues")
def issues():
    return jsonify(get_searcher().issues())


@bp.get("/issues/<key>")
def issue(key: str):
    return jsonify(get_searcher().issue(key))


@bp.get("/groups/<name>")
def group(name: str):
    return jsonify(get_searcher().group(name))
