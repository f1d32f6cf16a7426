"""援疆简报检索 — the web UI: HTML pages and a JSON API over `search.searcher.Searcher`.

`create_app(config)` is an application factory. Configuration comes from the mapping, then
from environment variables (`BRIEFING_INDEX_DIR`, `BRIEFING_SECRET_KEY`), then defaults.
The app never touches the index itself: one `Searcher`, made on first use and shared by
all threads, answers every request.
"""
from __future__ import annotations

import threading

from flask import Flask, current_app, request

from search.vocabulary import DEFAULT_LIMIT, DEFAULT_SORT, DEFAULT_VERSIONS, FACET_LABELS, MAX_QUERY_PARAM_CHARS

SECURITY_HEADERS = {
    "Content-Security-Policy": ("default-src 'self'; script-src 'self'; style-src 'self'; "
                                "img-src 'self' data:; object-src 'none'; base-uri 'none'; "
                                "frame-ancestors 'none'; form-action 'self'"),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}

ENV_PREFIX = "BRIEFING"  # BRIEFING_INDEX_DIR → INDEX_DIR (Flask adds the underscore)


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__)
    app.config.from_mapping(INDEX_DIR="index", SECRET_KEY="dev")
    app.config.from_prefixed_env(ENV_PREFIX)
    if config:
        app.config.from_mapping(config)
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    # The vocabulary the templates need, from its one definition.
    app.jinja_env.globals.update(facet_labels=FACET_LABELS, default_limit=DEFAULT_LIMIT,
                                 default_sort=DEFAULT_SORT, default_versions=DEFAULT_VERSIONS,
                                 max_query_param_chars=MAX_QUERY_PARAM_CHARS)

    app.extensions["briefing_searcher"] = _SearcherHolder(app.config["INDEX_DIR"])

    from webui import api, concordance, errors, exports, originals, views
    app.register_blueprint(views.bp)
    app.register_blueprint(concordance.bp)
    app.register_blueprint(originals.bp)
    app.register_blueprint(exports.bp)
    app.register_blueprint(api.bp, url_prefix="/api")
    errors.register(app)

    @app.after_request
    def security_headers(response):
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if request.path.startswith("/api/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    return app


class _SearcherHolder:
    """One Searcher per app, made lazily under a lock; a missing index is retried next time."""

    def __init__(self, index_dir):
        self.index_dir = index_dir
        self._lock = threading.Lock()
        self._searcher = None

    def get(self):
        searcher = self._searcher
        if searcher is None:
            with self._lock:
                if self._searcher is None:
                    from search.searcher import Searcher
                    # An index that is missing or unreadable is a SearchError: a 503.
                    self._searcher = Searcher(self.index_dir)
                searcher = self._searcher
        return searcher


def get_searcher():
    """The app's shared Searcher (raises `SearchError` when there is no index yet)."""
    return current_app.extensions["briefing_searcher"].get()
