"""Login (OIDC relying party), the session user, acting-as, and the MitID simulator.

`init_app(app)` wires it all into the portal. Views use `@access(...)` from `auth.access`,
`current_actor()` for whose data is shown, and `caller()` for the plan-API clients.

Imports of the portal happen inside functions, so the simulator (`auth.simulator`) can
run without the portal's dependencies being loaded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask

    from auth.session import ActingAs
    from portal.clients.base import Caller


def current_actor() -> ActingAs | None:
    from auth.session import current_actor as _current_actor

    return _current_actor()


def caller() -> Caller:
    from auth.session import caller as _caller

    return _caller()


def can_preview(person_id: str) -> bool:
    from auth.guards import can_preview as _can_preview

    return _can_preview(person_id)


def start_preview(person_id: str, purpose: str) -> ActingAs:
    from auth.guards import start_preview as _start_preview

    return _start_preview(person_id, purpose)


def end_preview() -> None:
    from auth.guards import end_preview as _end_preview

    _end_preview()


def init_app(app: Flask, **kwargs: Any) -> None:
    from auth.guards import init_app as _init_app

    _init_app(app, **kwargs)
