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
