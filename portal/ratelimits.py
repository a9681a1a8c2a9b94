"""Rate limits on logging in and on submissions (429 after the configured number).

The limits are applied here, by endpoint name, after the blueprints are registered, so the
list of protected endpoints is in one place (and a test checks that each still exists).
Logins count per client address, and only the failed callbacks (a bad or replayed state
or code, a refused token): so nobody can lock other citizens behind the same address out
by starting logins, while guessing is still slowed. The address is the client's as the
trusted proxies report it (PORTAL_PROXY_HOPS, ProxyFix). Submissions count per person
logged in (many citizens may share one address behind a municipal proxy), falling back
to the address. The counters
live in RATELIMIT_STORAGE_URI: Redis in production, so every worker and machine shares them.
"""

from __future__ import annotations

from typing import Any, cast

from flask import Flask, Response, current_app, g
from flask_limiter.util import get_remote_address

from portal.extensions import limiter

LOGIN_ENDPOINTS = ("auth.callback", "auth.caseworker_callback")
SUBMISSION_ENDPOINTS = (
    "progress.review",  # saves the draft
    "progress.send",
    "consent.give_send",
    "consent.withdraw_send",
    "consent.renew_send",
    "appointments.move_send",
    "appointments.feed_create",
    "appointments.feed_revoke",
    "messages.send",
    "messages.send_document",
    "inbox.answer",
    "notices.save",
    "notices.confirm",
    "notices.advisering_seen",
    "mydata.export",  # reads everything and writes to the access log
    "mydata.export_json",
)


def _actor_or_address() -> str:
    acting = g.get("acting")
    actor_id = getattr(acting, "actor_id", None)
    return f"actor:{actor_id}" if actor_id else f"address:{get_remote_address()}"


def _login_limit() -> str:
    return str(current_app.config["RATELIMIT_LOGIN"])


def _submission_limit() -> str:
    return str(current_app.config["RATELIMIT_SUBMISSIONS"])


def _failed(response: Response) -> bool:
    return response.status_code >= 400


# The names of the two shared counters. Any two different names count the same, so their
# mutants (another spelling) cannot be told from these: not mutated.
LOGIN_SCOPE = "login"  # pragma: no mutate
SUBMISSION_SCOPE = "submissions"  # pragma: no mutate


def init_app(app: Flask) -> None:
    login = limiter.shared_limit(
        _login_limit,
        scope=LOGIN_SCOPE,
        # The limiter's default key (portal.extensions) is this same function, so leaving
        # it out changes nothing: not mutated.
        key_func=get_remote_address,  # pragma: no mutate
        deduct_when=_failed,
    )
    submissions = limiter.shared_limit(
        _submission_limit, scope=SUBMISSION_SCOPE, key_func=_actor_or_address
    )
    for endpoints, limit in ((LOGIN_ENDPOINTS, login), (SUBMISSION_ENDPOINTS, submissions)):
        for endpoint in endpoints:
            if endpoint in app.view_functions:
                view: Any = app.view_functions[endpoint]
                limited = limit(view)
                # cast() does nothing at run time: its mutants cannot be told apart.
                app.view_functions[endpoint] = cast(Any, limited)  # pragma: no mutate
