"""Run a page's independent plan-API reads at the same time.

The overview needs six reads; one after another it waits for their sum, side by side for
the slowest. Each call runs in a worker thread inside this request: its own app context
that shares this request's `g` (acting-as, per-request caches, the "plan API failed"
flag) and a copy of the request context (session, locale, url_for). Database work in a
thread uses its own SQLAlchemy session (Flask-SQLAlchemy scopes sessions to the app
context), removed when the thread's context ends.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from flask import current_app, g, has_request_context, request
from flask.ctx import _cv_request

# Threads are cheap next to the reads they wait on; a page never has more than a handful.
_MAX_THREADS = 8


def run(*calls: Callable[[], Any]) -> list[Any]:
    """Call each function, concurrently when there is more than one; results in order.

    An exception from a call is raised here, in the request's own thread.
    """
    if (
        len(calls) < 2
        or not has_request_context()
        or request.method != "GET"  # a copied context closes the request body when it ends
        or not current_app.config["PLANAPI_PARALLEL"]
    ):
        return [call() for call in calls]
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    shared_g = g._get_current_object()
    request_ctx = _cv_request.get()

    def in_request(call: Callable[[], Any]) -> Any:
        app_ctx = app.app_context()
        app_ctx.g = shared_g
        with app_ctx, request_ctx.copy():
            return call()

    with ThreadPoolExecutor(max_workers=min(len(calls), _MAX_THREADS)) as pool:
        futures = [pool.submit(in_request, call) for call in calls]
        return [future.result() for future in futures]
