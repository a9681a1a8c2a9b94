"""The session object itself (`auth.session`): its stored form, whose data it shows on
what basis, the re-check of that basis against what the plan API listed, and idle expiry.

The page tests reach these through whole requests; here each rule is held on its own, so
that a changed comparison, a lost field or a moved boundary fails one named test.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from flask import Flask, g, session

from auth import session as auth_session
from auth.session import (
    SESSION_KEY,
    ActingAs,
    AuthSession,
    Option,
    SessionUser,
    Subject,
    auth_data,
    basis_still_holds,
    build_acting,
    current_actor,
    idle_expired,
    idle_timeout,
    load_user,
    touch,
)
from identity import Caller

BENT = Option("p-bent", "Bent Nielsen", "self", 74)
METTE = Option(
    "p-mette", "Mette Lund Sørensen", "power_of_attorney", 41, ("plan:read", "appointments:read")
)
EMMA = Option("p-emma", "Emma Kjær Poulsen", "custody", 15)


def citizen(**changes: Any) -> AuthSession:
    """Bent, logged in with MitID, acting for Mette under his power of attorney."""
    signed_in = AuthSession(
        role="citizen",
        actor_id="p-bent",
        actor_name="Bent Nielsen",
        provider="mitid",
        subject="sub-bent",
        loa="substantial",
        cpr_masked="170852-****",
        started=1000.5,
        last_seen=2000.25,
        acting=Subject.chosen(METTE),
        options=(BENT, METTE),
    )
    return replace(signed_in, **changes)


def caseworker(**changes: Any) -> AuthSession:
    """Lene, previewing Mette for a stated purpose."""
    signed_in = AuthSession(
        role="caseworker",
        actor_id="cw-lene",
        actor_name="Lene Bach",
        provider="workforce",
        subject="sub-lene",
        loa="substantial",
        started=1000.5,
        last_seen=2000.25,
        acting=Subject(
            "p-mette", "Mette Lund Sørensen", 41, "caseworker_preview", purpose="Opfølgning"
        ),
    )
    return replace(signed_in, **changes)


@pytest.fixture
def request_ctx(app: Flask) -> Iterator[Flask]:
    """A request of the portal, with its own (empty) session and `g`."""
    with app.test_request_context("/"):
        yield app


# -- the stored form -----------------------------------------------------------------------


def test_an_option_is_stored_with_every_field_and_read_back_equal() -> None:
    stored = METTE.to_dict()
    assert stored == {
        "id": "p-mette",
        "name": "Mette Lund Sørensen",
        "age": 41,
        "basis": "power_of_attorney",
        "scope": ["plan:read", "appointments:read"],
    }
    assert Option.from_dict(stored) == METTE
    # Age and scope may be missing (or null) in what the plan API or an older session gave.
    bare = {"id": "p-bent", "name": "Bent Nielsen", "basis": "self", "scope": None}
    assert Option.from_dict(bare) == Option("p-bent", "Bent Nielsen", "self", None, ())


def test_a_subject_is_stored_with_every_field_and_read_back_equal() -> None:
    preview = Subject("p-mette", "Mette Lund Sørensen", 41, "caseworker_preview", (), "Opfølgning")
    chosen = Subject.chosen(METTE)
    assert chosen == Subject(
        "p-mette",
        "Mette Lund Sørensen",
        41,
        "power_of_attorney",
        ("plan:read", "appointments:read"),
    )
    assert chosen.to_dict() == {
        "subject_id": "p-mette",
        "subject_name": "Mette Lund Sørensen",
        "subject_age": 41,
        "basis": "power_of_attorney",
        "scope": ["plan:read", "appointments:read"],
        "purpose": "",
    }
    for subject in (preview, chosen, Subject.chosen(EMMA)):
        assert Subject.from_dict(subject.to_dict()) == subject


def test_a_subject_stored_without_a_basis_is_a_preview_and_nothing_more() -> None:
    """Sessions stored before the basis was kept were caseworker previews: read as such,
    with no scope and no purpose made up."""
    old = {"subject_id": "p-mette", "subject_name": "Mette", "basis": None, "purpose": None}
    assert Subject.from_dict(old) == Subject("p-mette", "Mette", None, "caseworker_preview", (), "")
    assert Subject.from_dict({"subject_id": "p-mette", "subject_name": "Mette"}).purpose == ""


def test_a_citizen_session_is_stored_whole_and_read_back_equal() -> None:
    signed_in = citizen(extra={"flash_seen": True})
    stored = signed_in.to_dict()
    assert stored == {
        "flash_seen": True,
        "role": "citizen",
        "actor_id": "p-bent",
        "actor_name": "Bent Nielsen",
        "provider": "mitid",
        "subject": "sub-bent",
        "loa": "substantial",
        "started": 1000.5,
        "last_seen": 2000.25,
        "acting": Subject.chosen(METTE).to_dict(),
        "cpr_masked": "170852-****",
        "options": [BENT.to_dict(), METTE.to_dict()],
    }
    back = AuthSession.from_dict(stored)
    assert back == signed_in
    assert back.extra == {"flash_seen": True}, "only keys this code does not know are extra"


def test_a_caseworker_session_keeps_no_person_number_and_no_options() -> None:
    stored = caseworker(acting=None).to_dict()
    assert stored == {
        "role": "caseworker",
        "actor_id": "cw-lene",
        "actor_name": "Lene Bach",
        "provider": "workforce",
        "subject": "sub-lene",
        "loa": "substantial",
        "started": 1000.5,
        "last_seen": 2000.25,
        "acting": None,
    }
    assert AuthSession.from_dict(stored) == caseworker(acting=None)
    assert AuthSession.from_dict(caseworker().to_dict()) == caseworker()


def test_a_session_stored_with_only_the_required_keys_reads_with_empty_defaults() -> None:
    minimal = {"role": "citizen", "actor_id": "p-bent", "actor_name": "Bent Nielsen"}
    assert AuthSession.from_dict(minimal) == AuthSession(
        role="citizen", actor_id="p-bent", actor_name="Bent Nielsen", started=0.0
    )
    nulls = dict.fromkeys(("provider", "subject", "loa", "cpr_masked", "started", "last_seen"))
    read = AuthSession.from_dict({**minimal, **nulls, "acting": None, "options": None})
    assert (read.provider, read.subject, read.loa, read.cpr_masked) == ("", "", "", "")
    assert (read.started, read.last_seen, read.acting, read.options) == (0.0, 0.0, None, ())


def test_save_and_load_go_through_the_flask_session(request_ctx: Flask) -> None:
    assert AuthSession.load() is None and auth_data() is None
    citizen().save()
    assert session[SESSION_KEY] == citizen().to_dict()
    assert session.modified is True
    assert AuthSession.load() == citizen()
    session[SESSION_KEY] = "not a session"  # a value of another shape is no login
    assert auth_data() is None and AuthSession.load() is None


def test_choosing_and_previewing_replace_only_whom_the_session_acts_for() -> None:
    before = citizen()
    assert before.choose(BENT) == replace(before, acting=Subject.chosen(BENT))
    lene = caseworker()
    other = Subject("p-jonas", "Jonas Holm Nielsen", 24, "caseworker_preview", purpose="Møde")
    assert lene.preview(other) == replace(lene, acting=other)
    assert lene.preview(None) == replace(lene, acting=None)


# -- whose data, on what basis ---------------------------------------------------------------


def test_a_caseworker_previews_read_only_with_the_stated_purpose() -> None:
    assert caseworker().acting_as() == ActingAs(
        actor_id="cw-lene",
        actor_role="caseworker",
        actor_name="Lene Bach",
        subject_id="p-mette",
        subject_name="Mette Lund Sørensen",
        subject_age=41,
        basis="caseworker_preview",
        purpose="Opfølgning",
        read_only=True,
    )
    assert caseworker(acting=None).acting_as() is None


def test_a_citizen_who_has_not_chosen_is_shown_as_themself_with_the_choice_pending() -> None:
    assert citizen(acting=None).acting_as() == ActingAs(
        actor_id="p-bent",
        actor_role="citizen",
        actor_name="Bent Nielsen",
        subject_id="p-bent",
        subject_name="Bent Nielsen",
        subject_age=None,
        basis="self",
        pending_choice=True,
        option_count=2,
    )


def test_a_citizen_acts_for_the_chosen_person_on_the_chosen_basis_and_scope() -> None:
    acting = citizen(options=(BENT, METTE, EMMA)).acting_as()
    assert acting == ActingAs(
        actor_id="p-bent",
        actor_role="citizen",
        actor_name="Bent Nielsen",
        subject_id="p-mette",
        subject_name="Mette Lund Sørensen",
        subject_age=41,
        basis="power_of_attorney",
        scope=("plan:read", "appointments:read"),
        option_count=3,
    )
    assert acting is not None and not acting.read_only and not acting.pending_choice


def test_a_power_of_attorney_covers_its_scope_and_nothing_else() -> None:
    acting = citizen().acting_as()
    assert acting is not None
    assert acting.covers("plan:read") and acting.covers("appointments:read")
    assert not acting.covers("consents:read")
    assert not acting.covers("appointments:write")
    assert not acting.covers("involvements:read")


def test_self_and_custody_cover_every_scope_but_only_self_its_own_involvements() -> None:
    own = citizen(acting=Subject.chosen(BENT)).acting_as()
    child = citizen(acting=Subject.chosen(EMMA)).acting_as()
    preview = caseworker().acting_as()
    assert own is not None and child is not None and preview is not None
    for scope in ("plan:read", "consents:write", "messages:write"):
        assert own.covers(scope) and child.covers(scope) and preview.covers(scope)
    assert own.covers("involvements:read")
    assert not child.covers("involvements:read")
    assert not preview.covers("involvements:read"), "a preview shows no one's part elsewhere"
    assert not replace(own, read_only=True).covers("involvements:read")


def test_the_plan_api_is_called_as_the_actor_on_the_sessions_basis() -> None:
    acting = citizen().acting_as()
    preview = caseworker().acting_as()
    assert acting is not None and preview is not None
    assert acting.caller() == Caller("p-bent", "citizen", "power_of_attorney")
    assert preview.caller() == Caller("cw-lene", "caseworker", "caseworker_preview", "Opfølgning")


# -- the request's actor ---------------------------------------------------------------------


def test_the_login_user_is_rebuilt_from_the_session_only_for_its_own_id(
    request_ctx: Flask,
) -> None:
    assert load_user("citizen:p-bent") is None
    citizen().save()
    user = load_user("citizen:p-bent")
    assert isinstance(user, SessionUser)
    assert (user.role, user.actor_id, user.name) == ("citizen", "p-bent", "Bent Nielsen")
    assert user.get_id() == "citizen:p-bent" and not user.is_caseworker
    assert load_user("citizen:p-mette") is None
    assert load_user("caseworker:p-bent") is None


def test_the_requests_actor_and_caller_come_from_g(request_ctx: Flask) -> None:
    assert current_actor() is None and build_acting() is None
    with pytest.raises(
        RuntimeError, match=r"^caller\(\) outside a logged-in, chosen acting-as context$"
    ):
        auth_session.caller()
    citizen().save()
    assert build_acting() == citizen().acting_as()
    g.acting = build_acting()
    assert current_actor() == citizen().acting_as()
    assert auth_session.caller() == Caller("p-bent", "citizen", "power_of_attorney")
    g.acting = citizen(acting=None).acting_as()
    with pytest.raises(RuntimeError, match="chosen acting-as context"):
        auth_session.caller()  # not chosen yet: no plan-API call on anyone's behalf


# -- the basis re-check --------------------------------------------------------------------------


def acting_for(subject: Subject) -> ActingAs:
    acting = citizen(acting=subject).acting_as()
    assert acting is not None
    return acting


def test_the_basis_holds_while_the_plan_api_lists_the_same_person_basis_and_scope(
    request_ctx: Flask,
) -> None:
    citizen().save()
    assert basis_still_holds(acting_for(Subject.chosen(METTE)))
    assert basis_still_holds(acting_for(Subject.chosen(BENT)))
    narrower = Subject.chosen(replace(METTE, scope=("plan:read",)))
    assert basis_still_holds(acting_for(narrower))


def test_the_basis_is_compared_not_only_the_person(request_ctx: Flask) -> None:
    """Issue 18: Bent holds a power of attorney for Mette. A session that says he acts for
    her with custody (which covers every scope) must not pass because her id is listed."""
    citizen().save()
    claimed = Subject.chosen(replace(METTE, basis="custody"))
    assert not basis_still_holds(acting_for(claimed))
    assert not basis_still_holds(acting_for(Subject.chosen(replace(BENT, basis="custody"))))


def test_a_person_the_plan_api_did_not_list_has_no_basis(request_ctx: Flask) -> None:
    citizen().save()
    assert not basis_still_holds(acting_for(Subject.chosen(replace(BENT, id="p-jonas"))))
    assert not basis_still_holds(acting_for(Subject.chosen(EMMA)))


def test_a_scope_wider_than_the_plan_api_listed_does_not_live_on(request_ctx: Flask) -> None:
    citizen().save()
    wider = Subject.chosen(
        replace(METTE, scope=("plan:read", "appointments:read", "contacts:read"))
    )
    assert not basis_still_holds(acting_for(wider))


def test_without_a_session_no_citizen_basis_holds(request_ctx: Flask) -> None:
    assert not basis_still_holds(acting_for(Subject.chosen(BENT)))


def test_a_caseworker_holds_only_a_read_only_preview(request_ctx: Flask) -> None:
    preview = caseworker().acting_as()
    assert preview is not None
    assert basis_still_holds(preview)  # checked against the caseload at the start, not here
    assert not basis_still_holds(replace(preview, read_only=False))
    assert not basis_still_holds(replace(preview, basis="self"))
    assert not basis_still_holds(replace(preview, basis="custody", read_only=False))


# -- idle expiry -------------------------------------------------------------------------------


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The wall clock the session reads, set by the test: now[0]."""
    now = [1_800_000_000.0]
    monkeypatch.setattr(auth_session.time, "time", lambda: now[0])
    return now


def test_the_idle_timeout_is_the_configured_one_or_fifteen_minutes(request_ctx: Flask) -> None:
    request_ctx.config["SESSION_IDLE_TIMEOUT"] = 600
    assert idle_timeout() == 600
    request_ctx.config["SESSION_IDLE_TIMEOUT"] = None
    assert idle_timeout() == 900


def test_a_session_expires_only_after_more_than_the_idle_timeout(
    request_ctx: Flask, clock: list[float]
) -> None:
    request_ctx.config["SESSION_IDLE_TIMEOUT"] = 600
    assert not idle_expired(), "no session, nothing to expire"
    citizen(last_seen=clock[0] - 600).save()
    assert not idle_expired(), "exactly the timeout: still within it"
    clock[0] += 0.5
    assert idle_expired()
    citizen(last_seen=clock[0] + 30).save()
    assert not idle_expired()


def test_a_session_that_never_recorded_being_seen_is_idle_since_the_epoch(
    request_ctx: Flask, clock: list[float]
) -> None:
    request_ctx.config["SESSION_IDLE_TIMEOUT"] = 600
    session[SESSION_KEY] = {"role": "citizen", "actor_id": "p-bent", "actor_name": "Bent"}
    assert idle_expired()
    clock[0] = 600.0
    assert not idle_expired()
    clock[0] = 600.5
    assert idle_expired()


def test_touch_records_now_as_last_seen_and_marks_the_session_changed(
    request_ctx: Flask, clock: list[float]
) -> None:
    touch()
    assert SESSION_KEY not in session and not session.modified, "no session, nothing touched"
    session[SESSION_KEY] = citizen(last_seen=5.0).to_dict()
    session.modified = False
    touch()
    assert session[SESSION_KEY]["last_seen"] == clock[0]
    assert session.modified is True, "a change inside the stored dict is not noticed by itself"
