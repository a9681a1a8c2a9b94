"""The session user and "acting as": who is logged in, whose data is shown, on what basis.

The server-side session holds only what the portal needs: plan-API ids, display names,
the assurance level, the masked person number, the people this citizen may act for
(as the plan API said at login or at the last switch) and the ID token for the logout
hint, encrypted (it carries the person number). Never the full CPR in the clear.
"""

from __future__ import annotations

import base64
import hashlib
import time
from dataclasses import dataclass
from typing import Any, Literal

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app, g, session
from flask_login import UserMixin

from portal.clients.base import Basis, Caller

Role = Literal["citizen", "caseworker"]
SESSION_KEY = "auth"


@dataclass(frozen=True)
class ActingAs:
    actor_id: str
    actor_role: Role
    actor_name: str
    subject_id: str
    subject_name: str
    subject_age: int | None
    basis: Basis
    purpose: str = ""
    read_only: bool = False
    scope: tuple[str, ...] = ()
    # A citizen with several people to act for has not chosen yet: only the choice
    # page and logging out are open until they do.
    pending_choice: bool = False
    option_count: int = 1

    @property
    def can_switch(self) -> bool:
        return self.actor_role == "citizen" and self.option_count > 1

    @property
    def is_self(self) -> bool:
        return self.basis == "self"

    def covers(self, scope: str) -> bool:
        """Whether this basis lets the actor read or do `scope` (e.g. "contacts:read").

        Self, custody and a preview cover every scope (a preview is refused writes
        elsewhere); a power of attorney covers the scope it was given.
        """
        return self.basis != "power_of_attorney" or scope in self.scope

    def caller(self) -> Caller:
        return Caller(
            actor_id=self.actor_id,
            actor_role=self.actor_role,
            basis=self.basis,
            purpose=self.purpose,
        )


class SessionUser(UserMixin):
    """The Flask-Login user: rebuilt from the session on every request, nothing stored."""

    def __init__(self, role: Role, actor_id: str, name: str) -> None:
        self.role = role
        self.actor_id = actor_id
        self.name = name

    def get_id(self) -> str:
        return f"{self.role}:{self.actor_id}"

    @property
    def is_caseworker(self) -> bool:
        return self.role == "caseworker"


def auth_data() -> dict[str, Any] | None:
    data = session.get(SESSION_KEY)
    return data if isinstance(data, dict) else None


def load_user(user_id: str) -> SessionUser | None:
    data = auth_data()
    if not data:
        return None
    user = SessionUser(data["role"], data["actor_id"], data["actor_name"])
    return user if user.get_id() == user_id else None


def current_actor() -> ActingAs | None:
    """Whose data this request shows and on what basis; None when nobody is logged in."""
    return g.get("acting")


def caller() -> Caller:
    """The caller context for plan-API clients. Only call it behind @access(...)."""
    acting = current_actor()
    if acting is None or acting.pending_choice:
        raise RuntimeError("caller() outside a logged-in, chosen acting-as context")
    return acting.caller()


def build_acting() -> ActingAs | None:
    data = auth_data()
    if not data:
        return None
    acting = data.get("acting")
    options = data.get("options") or []
    if data["role"] == "caseworker":
        if not acting:
            return None
        return ActingAs(
            actor_id=data["actor_id"],
            actor_role="caseworker",
            actor_name=data["actor_name"],
            subject_id=acting["subject_id"],
            subject_name=acting["subject_name"],
            subject_age=acting.get("subject_age"),
            basis="caseworker_preview",
            purpose=acting.get("purpose", ""),
            read_only=True,
        )
    if not acting:
        # Not chosen yet: show the citizen as themself, with every link closed.
        return ActingAs(
            actor_id=data["actor_id"],
            actor_role="citizen",
            actor_name=data["actor_name"],
            subject_id=data["actor_id"],
            subject_name=data["actor_name"],
            subject_age=None,
            basis="self",
            pending_choice=True,
            option_count=len(options),
        )
    return ActingAs(
        actor_id=data["actor_id"],
        actor_role="citizen",
        actor_name=data["actor_name"],
        subject_id=acting["subject_id"],
        subject_name=acting["subject_name"],
        subject_age=acting.get("subject_age"),
        basis=acting["basis"],
        scope=tuple(acting.get("scope") or ()),
        option_count=len(options),
    )


def basis_still_holds(acting: ActingAs) -> bool:
    """The view-side check: the subject is one the plan API said this actor may act for."""
    data = auth_data() or {}
    if acting.actor_role == "caseworker":
        return acting.basis == "caseworker_preview" and acting.read_only
    return any(
        o["id"] == acting.subject_id and o["basis"] == acting.basis
        for o in data.get("options") or []
    )


# -- idle timeout ---------------------------------------------------------------------


def idle_timeout() -> int:
    return int(current_app.config.get("SESSION_IDLE_TIMEOUT") or 15 * 60)


def touch() -> None:
    data = auth_data()
    if data is not None:
        data["last_seen"] = time.time()
        session.modified = True


def idle_expired() -> bool:
    data = auth_data()
    if not data:
        return False
    return time.time() - float(data.get("last_seen", 0)) > idle_timeout()


# -- the ID token, kept only encrypted ----------------------------------------------------


def _fernet() -> Fernet:
    secret = str(current_app.config["SECRET_KEY"]).encode()
    key = hashlib.sha256(b"mit-overblik id_token_hint\0" + secret).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def seal(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode()


def unseal(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return _fernet().decrypt(value.encode()).decode()
    except (InvalidToken, ValueError):
        return None
