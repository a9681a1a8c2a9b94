"""The session user and "acting as": who is logged in, whose data is shown, on what basis.

The server-side session holds only what the portal needs: plan-API ids, display names,
the assurance level, the masked person number, the people this citizen may act for
(as the plan API said at login or at the last switch) and the ID token for the logout
hint, encrypted (it carries the person number). Never the full CPR in the clear.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, fields, replace
from typing import Any

from flask import current_app, g, session
from flask_login import UserMixin

from identity import Basis, Caller, Role

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
        elsewhere); a power of attorney covers the scope it was given. A person's own part
        in others' plans (`involvements:read`) is his alone, as the plan API says too.
        """
        if scope == "involvements:read":
            return self.is_self and not self.read_only
        return self.basis != "power_of_attorney" or scope in self.scope

    def caller(self) -> Caller:
        if self.actor_role == "caseworker":
            return Caller.preview(self.actor_id, self.purpose)
        return Caller.citizen(self.actor_id, self.basis)


# -- the session, typed -------------------------------------------------------------------


@dataclass(frozen=True)
class Option:
    """Someone a citizen may act for (themself first), as the plan API said."""

    id: str
    name: str
    basis: Basis
    age: int | None = None
    scope: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "age": self.age,
            "basis": self.basis,
            "scope": list(self.scope),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Option:
        return cls(
            id=data["id"],
            name=data["name"],
            basis=data["basis"],
            age=data.get("age"),
            scope=tuple(data.get("scope") or ()),
        )


@dataclass(frozen=True)
class Subject:
    """Whom the session acts for now: a chosen option, or a previewed citizen."""

    id: str
    name: str
    age: int | None = None
    basis: Basis = "self"
    scope: tuple[str, ...] = ()
    purpose: str = ""  # a caseworker's stated purpose for a preview

    @classmethod
    def chosen(cls, option: Option) -> Subject:
        return cls(option.id, option.name, option.age, option.basis, option.scope)

    def to_dict(self) -> dict[str, Any]:
        return {
            "subject_id": self.id,
            "subject_name": self.name,
            "subject_age": self.age,
            "basis": self.basis,
            "scope": list(self.scope),
            "purpose": self.purpose,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Subject:
        return cls(
            id=data["subject_id"],
            name=data["subject_name"],
            age=data.get("subject_age"),
            basis=data.get("basis") or "caseworker_preview",
            scope=tuple(data.get("scope") or ()),
            purpose=data.get("purpose") or "",
        )


@dataclass(frozen=True)
class AuthSession:
    """Everything the portal keeps about a login, in one typed shape.

    Login (`auth.views`), choosing a person, a caseworker's preview and the tests' sign-in
    all build this and store it with `save()`; `to_dict()`/`from_dict()` are the only
    places that know its stored form. `acting_as()` is the one place an `ActingAs` is made.
    """

    role: Role
    actor_id: str
    actor_name: str
    provider: str = ""
    # The provider's subject, for logging out there (`logout_hint`); never the ID token,
    # which carries the person number.
    subject: str = ""
    loa: str = ""
    cpr_masked: str = ""
    started: float = field(default_factory=time.time)  # the absolute lifetime counts from it
    last_seen: float = 0.0
    acting: Subject | None = None
    options: tuple[Option, ...] = ()
    # Keys stored by a newer or older version of this code, kept as they are.
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = dict(self.extra)
        data.update(
            role=self.role,
            actor_id=self.actor_id,
            actor_name=self.actor_name,
            provider=self.provider,
            subject=self.subject,
            loa=self.loa,
            started=self.started,
            last_seen=self.last_seen,
            acting=self.acting.to_dict() if self.acting else None,
        )
        if self.role == "citizen":
            data.update(cpr_masked=self.cpr_masked, options=[o.to_dict() for o in self.options])
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AuthSession:
        known = {f.name for f in fields(cls)}
        acting = data.get("acting")
        return cls(
            role=data["role"],
            actor_id=data["actor_id"],
            actor_name=data["actor_name"],
            provider=data.get("provider") or "",
            subject=data.get("subject") or "",
            loa=data.get("loa") or "",
            cpr_masked=data.get("cpr_masked") or "",
            started=float(data.get("started") or 0),
            last_seen=float(data.get("last_seen") or 0),
            acting=Subject.from_dict(acting) if acting else None,
            options=tuple(Option.from_dict(o) for o in data.get("options") or ()),
            extra={k: v for k, v in data.items() if k not in known},
        )

    @classmethod
    def load(cls) -> AuthSession | None:
        data = auth_data()
        return cls.from_dict(data) if data else None

    def save(self) -> None:
        session[SESSION_KEY] = self.to_dict()
        session.modified = True

    def choose(self, option: Option) -> AuthSession:
        return replace(self, acting=Subject.chosen(option))

    def preview(self, subject: Subject | None) -> AuthSession:
        return replace(self, acting=subject)

    def acting_as(self) -> ActingAs | None:
        """Whose data this session shows and on what basis (None: a caseworker who is not
        previewing anyone)."""
        acting = self.acting
        if self.role == "caseworker":
            if acting is None:
                return None
            return ActingAs(
                actor_id=self.actor_id,
                actor_role="caseworker",
                actor_name=self.actor_name,
                subject_id=acting.id,
                subject_name=acting.name,
                subject_age=acting.age,
                basis="caseworker_preview",
                purpose=acting.purpose,
                read_only=True,
            )
        if acting is None:
            # Not chosen yet: show the citizen as themself, with every link closed.
            return ActingAs(
                actor_id=self.actor_id,
                actor_role="citizen",
                actor_name=self.actor_name,
                subject_id=self.actor_id,
                subject_name=self.actor_name,
                subject_age=None,
                basis="self",
                pending_choice=True,
                option_count=len(self.options),
            )
        return ActingAs(
            actor_id=self.actor_id,
            actor_role="citizen",
            actor_name=self.actor_name,
            subject_id=acting.id,
            subject_name=acting.name,
            subject_age=acting.age,
            basis=acting.basis,
            scope=acting.scope,
            option_count=len(self.options),
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
    current = AuthSession.load()
    if current is None:
        return None
    user = SessionUser(current.role, current.actor_id, current.actor_name)
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
    current = AuthSession.load()
    return current.acting_as() if current else None


def basis_still_holds(acting: ActingAs) -> bool:
    """The view-side check: the subject is one the plan API said this actor may act for,
    on the same basis, and a power of attorney's scope is no wider than the plan API said
    last (the session copied the scope at the choice; a narrowed one must not live on)."""
    if acting.actor_role == "caseworker":
        return acting.basis == "caseworker_preview" and acting.read_only
    current = AuthSession.load()
    return current is not None and any(
        o.id == acting.subject_id and o.basis == acting.basis and set(acting.scope) <= set(o.scope)
        for o in current.options
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
