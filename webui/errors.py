"""Errors as answers: JSON under /api/, a friendly page elsewhere, never a traceback.

QueryError → 400 (its message already says what to change, in Chinese and English),
NotFound → 404, any other SearchError (no index, index locked) → 503, HTTP errors keep
their code, anything unexpected → 500 with a plain message (the details go to the log).
"""
from __future__ import annotations

from flask import jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from search.errors import NotFound, SearchError
from search.original import OriginalChanged, OriginalRemoved, PageNotRendered
from search.query.language import QueryError

TITLES = {
    400: "请求有误 / Bad request",
    404: "未找到 / Not found",
    405: "不支持的请求方式 / Method not allowed",
    409: "原件已更改 / The original has changed",
    500: "服务器出错 / Server error",
    503: "暂时无法检索 / Search unavailable",
}
HINTS = {
    400: "请检查查询或参数后重试。",
    404: "该页面、条目或期次不存在，可能是链接有误，或索引已更新。",
    409: "原件在建立索引之后被修改过，与检索结果不再一致。重新建立索引后即可查看。",
    500: "处理请求时发生意外错误，请稍后重试。",
    503: "索引尚未建立或暂时不可用。请先运行 python -m search index 建立索引。",
}


def _answer(status: int, message: str):
    if request.path.startswith("/api/"):
        response = jsonify({"error": {"status": status, "message": message}})
        response.status_code = status
        return response
    try:
        body = render_template("error.html", status=status, title=TITLES.get(status, str(status)),
                               message=message, hint=HINTS.get(status))
    except Exception:  # the error page itself failed: still no traceback
        body = f"{status} {TITLES.get(status, '')}"
        return body, status, {"Content-Type": "text/plain; charset=utf-8"}
    return body, status


def register(app) -> None:
    @app.errorhandler(QueryError)
    def bad_query(exc):
        return _answer(400, str(exc))

    @app.errorhandler(NotFound)
    def not_found(exc):
        return _answer(404, "未找到 / not found")

    # The originals' messages name an indexed file and say what to do: shown as they are.
    @app.errorhandler(OriginalRemoved)
    def original_removed(exc):
        return _answer(404, str(exc))

    @app.errorhandler(OriginalChanged)
    def original_changed(exc):
        return _answer(409, str(exc))

    @app.errorhandler(PageNotRendered)
    def page_not_rendered(exc):
        app.logger.warning("page image: %s", exc)
        return _answer(500, "原件的这一页无法显示 / this page of the original cannot be shown")

    @app.errorhandler(SearchError)
    def unavailable(exc):
        app.logger.warning("search unavailable: %s", exc)
        return _answer(503, str(exc))

    @app.errorhandler(HTTPException)
    def http_error(exc):
        status = exc.code or 500
        message = {404: "未找到 / not found", 405: "不支持的请求方式 / method not allowed"}.get(
            status, exc.description or exc.name)
        response = _answer(status, message)
        if status == 405 and getattr(exc, "valid_methods", None):
            response = app.make_response(response)
            response.headers["Allow"] = ", ".join(exc.valid_methods)
        return response

    @app.errorhandler(Exception)
    def unexpected(exc):
        app.logger.exception("unexpected error on %s", request.path)
        return _answer(500, "服务器内部错误 / internal server error")
