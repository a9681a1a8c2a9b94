"""RFC 9457 problem details: one exception type, one JSON shape."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify
from werkzeug.exceptions import HTTPException

BASE = "https://mit-overblik.example/problems/"

TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Request body too large",
    415: "Unsupported media type",
    422: "Unprocessable content",
    500: "Internal server error",
    503: "Service unavailable",
}


class Problem(Exception):
    def __init__(
        self,
        status: int,
        detail: str,
        *,
        kind: str | None = None,
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.kind = kind
        self.errors = errors
        self.headers = headers or {}

    def response(self) -> Response:
        return problem_response(
            self.status, self.detail, kind=self.kind, errors=self.errors, headers=self.headers
        )


def problem_response(
    status: int,
    detail: str,
    *,
    kind: str | None = None,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    body: dict[str, Any] = {
        "type": BASE + (kind or str(status)),
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    response.content_type = "application/problem+json"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def invalid(errors: list[dict[str, str]], status: int = 422) -> Problem:
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
    return Problem(status, detail or "invalid input", kind="validation", errors=errors)


def init_app(app: Flask) -> None:
    @app.errorhandler(Problem)
    def on_problem(exc: Problem) -> Response:
        return exc.response()

    @app.errorhandler(HTTPException)
    def on_http(exc: HTTPException) -> Response:
        status = exc.code or 500
        detail = {
            404: "No such resource.",
            405: "This method is not allowed here.",
            413: "The request body is larger than 64 KiB.",
        }.get(status, exc.description or TITLES.get(status, "Error"))
        headers = {}
        if status == 405 and exc.response is None:
            allow = exc.get_headers().__iter__()
            headers = {k: v for k, v in allow if k.lower() == "allow"}
        return problem_response(status, detail, headers=headers)

    @app.errorhandler(Exception)
    def on_error(exc: Exception) -> Response:
        app.logger.exception("unhandled error")
        return problem_response(500, "The plan API failed. Try again later.")
