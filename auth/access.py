"""Every portal route declares who may see it, with @access(...).

A convention test walks the URL map and fails on any view without a declaration.
The checks themselves are registered by `auth.init_app` (see `auth.guards`):

- "public": anyone.
- "citizen_login": a logged-in citizen, before or after choosing whom to act for.
- "citizen": a logged-in citizen acting on a basis the plan API gave (self, custody, power
  of attorney), or a caseworker in preview (read-only).
- "citizen_write": like "citizen", but a caseworker preview is refused with 403.
- "caseworker": a logged-in caseworker.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, Literal, TypeVar

AccessLevel = Literal["public", "citizen_login", "citizen", "citizen_write", "caseworker"]
F = TypeVar("F", bound=Callable[..., Any])

_checks: dict[str, Callable[[], Any]] = {}


def register_check(level: str, check: Callable[[], Any]) -> None:
    """The login code registers how each level is checked; it returns a response to refuse."""
    _checks[level] = check


def access(level: AccessLevel) -> Callable[[F], F]:
    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            check = _checks.get(level)
            if level != "public":
                if check is None:
                    raise RuntimeError(f"no access check registered for {level!r}")
                refusal = check()
                if refusal is not None:
                    return refusal
            return view(*args, **kwargs)

        wrapper._access = level  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate
