"""The indexed originals: the file itself, its pages as images, and the links to them.

Files are addressed by file id (an item's id begins with it), never by a path: the Searcher finds the
file from the index and checks that it still holds the indexed contents.
"""
from __future__ import annotations

import hashlib
import io

from flask import Blueprint, request, send_file, url_for

from webui import get_searcher

bp = Blueprint("originals", __name__)

# An original shown by the browser itself (PDF viewer, image, plain text): Chromium's PDF
# viewer is an <embed> of the file in a page with inline styles of its own.
INLINE_CSP = "default-src 'none'; img-src 'self'; object-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'"
# Anything else is downloaded, and were it ever rendered, it could run nothing.
DOWNLOAD_CSP = "sandbox; default-src 'none'"
PAGE_MAX_AGE = 7 * 24 * 3600  # a page image's address names the file's contents (`v`)


@bp.app_template_global()
def original_url(key: str, page: int | None = None) -> str:
    """The original file; at `page`, opened there (PDF viewers read `#page=N`)."""
    return url_for("originals.original", key=key, _anchor=f"page={page}" if page else None)


@bp.app_template_global()
def page_image_url(original: dict, number: int) -> str:
    # `v` names the file's contents: the image may be cached for as long as the address stands.
    return url_for("originals.page_image", key=original["file_key"], number=number, v=original["version"])


@bp.get("/file/<key>")
def original(key: str):
    opened = get_searcher().open_original(key)
    response = send_file(opened.stream, mimetype=opened.content_type, as_attachment=not opened.inline,
                         download_name=opened.name, conditional=True, max_age=0)
    response.headers["Content-Type"] = opened.content_type  # send_file would add a second charset
    response.headers["Content-Security-Policy"] = INLINE_CSP if opened.inline else DOWNLOAD_CSP
    response.headers["Cache-Control"] = "no-cache"  # revalidated: the file may change on disk
    return response


@bp.get("/file/<key>/page/<int:number>.png")
def page_image(key: str, number: int):
    png = get_searcher().page_image(key, number)
    response = send_file(io.BytesIO(png), mimetype="image/png", conditional=True,
                         etag=hashlib.blake2b(png, digest_size=8).hexdigest(),
                         max_age=PAGE_MAX_AGE if request.args.get("v") else 0)
    response.headers["Content-Security-Policy"] = INLINE_CSP
    return response
