"""Questionnaire drafts: two saves of the same person's draft at the same moment make one row."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import delete, func, select

from portal import drafts
from portal.drafts import QuestionnaireDraft
from portal.extensions import db


def test_the_save_that_loses_the_race_updates_the_other(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = {"actor_id": "p-mette", "person_id": "p-mette", "instrument_id": "who-5"}
    with app.app_context():
        drafts.save(**key, instrument_version="1", answers={"a": 1}, form_key="first")
        real_find = drafts.find
        misses = iter([None])  # the first look happens before the other tab's row exists

        def find_late(*args: Any) -> QuestionnaireDraft | None:
            return next(misses, real_find(*args))

        monkeypatch.setattr(drafts, "find", find_late)
        saved = drafts.save(**key, instrument_version="1", answers={"a": 4}, form_key="second")
        assert saved.answers == {"a": 4} and saved.form_key == "second"
        assert db.session.scalar(select(func.count()).select_from(QuestionnaireDraft)) == 1


def test_a_save_whose_draft_was_sent_meanwhile_makes_it_anew(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = {"actor_id": "p-mette", "person_id": "p-mette", "instrument_id": "who-5"}
    with app.app_context():
        drafts.save(**key, instrument_version="1", answers={"a": 1}, form_key="first")
        real_find = drafts.find
        stale = real_find(*key.values())
        with db.engine.begin() as other:  # another tab sends, and so discards, the draft
            other.execute(delete(QuestionnaireDraft))
        looks = iter([stale])  # this save had read the row before it went

        def find_late(*args: Any) -> QuestionnaireDraft | None:
            return next(looks, None) or real_find(*args)

        monkeypatch.setattr(drafts, "find", find_late)
        saved = drafts.save(**key, instrument_version="1", answers={"a": 4}, form_key="second")
        assert saved.answers == {"a": 4} and saved.form_key == "second"
        assert db.session.scalar(select(func.count()).select_from(QuestionnaireDraft)) == 1


def test_a_save_that_misses_the_row_twice_still_saves(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """CI's load test with a dozen tabs of one person: a save looked, found no draft, and
    its insert met the row another tab had made; by its second look that row had been sent
    (and so discarded) and made again by a third tab, and the save answered 500. Whatever
    the save's own looks would find, it lands, once, with its own answers."""
    key = {"actor_id": "p-mette", "person_id": "p-mette", "instrument_id": "who-5"}
    with app.app_context():
        drafts.save(**key, instrument_version="1", answers={"a": 1}, form_key="first")
        monkeypatch.setattr(drafts, "find", lambda *args: None)  # every look misses the row
        saved = drafts.save(**key, instrument_version="2", answers={"a": 4}, form_key="second")
        assert (saved.instrument_version, saved.answers, saved.form_key) == (
            "2",
            {"a": 4},
            "second",
        )
        [row] = db.session.execute(
            select(QuestionnaireDraft.answers, QuestionnaireDraft.form_key)
        ).all()
        assert tuple(row) == ({"a": 4}, "second")


def test_a_save_replaces_the_draft_and_leaves_others_alone(app: Flask) -> None:
    mine = {"actor_id": "p-mette", "person_id": "p-mette", "instrument_id": "who-5"}
    other = {**mine, "instrument_id": "experience"}
    child = {**mine, "person_id": "p-emma"}
    with app.app_context():
        for key in (mine, other, child):
            drafts.save(**key, instrument_version="1", answers={"a": 1}, form_key="first")
        before = drafts.find(*mine.values())
        assert before is not None
        first_saved = before.updated_at
        drafts.save(
            **mine, instrument_version="2", answers={"b": 2}, form_key="again", instrument={"v": 2}
        )
        after = drafts.find(*mine.values())
        assert after is not None
        assert (after.instrument_version, after.answers, after.form_key, after.instrument) == (
            "2",
            {"b": 2},
            "again",
            {"v": 2},
        )
        assert after.updated_at > first_saved
        for key in (other, child):
            untouched = drafts.find(*key.values())
            assert untouched is not None
            assert (untouched.answers, untouched.form_key) == ({"a": 1}, "first")
        assert db.session.scalar(select(func.count()).select_from(QuestionnaireDraft)) == 3
