"""A search taken away: the whole result set as CSV, Excel or JSON Lines, and the newest
matching items as an Atom feed. Every route takes the parameters of the results page."""
from __future__ import annotations

import datetime
import uuid

from flask import Blueprint, Response, render_template, request, url_for

from search import export
from search.query.highlight import plain
from search.vocabulary import DEFAULT_SORT, FEED_ITEMS, NEWEST
from webui import get_searcher
from webui.params import read_search_params

bp = Blueprint("exports", __name__)

FEED_NAMESPACE = uuid.UUID("5b1f8d0e-4a3c-5d6e-9f10-2a3b4c5d6e7f")  # our ids: uuid5 within it
EXPORT_NAME = "briefing-search"


def _export(fmt: str) -> Response:
    params = read_search_params(request.args)
    exported = get_searcher().export(**params.selection())
    body = export.to_bytes(exported, fmt, lambda item_id: url_for("views.item", item_id=item_id, _external=True))
    stamp = datetime.date.today().isoformat()
    return Response(body, mimetype=export.MEDIA_TYPES[fmt].split(";")[0], headers={
        "Content-Type": export.MEDIA_TYPES[fmt],
        "Content-Disposition": f'attachment; filename="{EXPORT_NAME}-{stamp}.{fmt}"',
        "X-Result-Count": str(exported["total"]),
    })


@bp.get("/export.csv")
def export_csv():
    return _export("csv")


@bp.get("/export.xlsx")
def export_xlsx():
    return _export("xlsx")


@bp.get("/export.jsonl")
def export_jsonl():
    return _export("jsonl")


def entry_id(item_id: str) -> str:
    """A permanent, valid Atom id for an item: item ids are stable across re-indexing."""
    return uuid.uuid5(FEED_NAMESPACE, f"item:{item_id}").urn


def _timestamp(date: str | None, fallback: datetime.datetime) -> str:
    if date:
        try:
            return datetime.date.fromisoformat(date[:10]).isoformat() + "T00:00:00Z"
        except ValueError:
            pass
    return fallback.strftime("%Y-%m-%dT%H:%M:%SZ")


@bp.get("/feed.atom")
def feed():
    params = read_search_params(request.args)
    selection = params.selection() | {"sort": NEWEST}
    result = get_searcher().search(**selection, limit=FEED_ITEMS)
    # Undated items (and an empty feed) carry the time the index was last built.
    built = get_searcher().updated()
    entries = [{"id": entry_id(hit["id"]), "title": hit["title"], "updated": _timestamp(hit["date"], built),
                "url": url_for("views.item", item_id=hit["id"], _external=True),
                "summary": plain(hit["highlights"]["body"][0]) if hit["highlights"]["body"] else "",
                "citation": hit["citation"], "group": hit["group"], "issue_label": hit["issue_label"]}
               for hit in result["hits"]]
    query = params.url_args(page=1, sort=DEFAULT_SORT)
    self_url = url_for("exports.feed", _external=True, **query.to_dict(flat=False))
    updated = max((e["updated"] for e in entries), default=_timestamp(None, built))
    title = "援疆简报检索" + (f"：{params.q}" if params.q else "") + "".join(
        f" · {v}" for vs in result["filters"].values() for v in vs)
    body = render_template("feed.xml", title=title, entries=entries, updated=updated, self_url=self_url,
                           feed_id=uuid.uuid5(FEED_NAMESPACE, "feed:" + self_url.partition("?")[2]).urn,
                           page_url=url_for("views.search", _external=True, **query.to_dict(flat=False)))
    return Response(body, mimetype="application/atom+xml",
                    headers={"Content-Type": "application/atom+xml; charset=utf-8"})
