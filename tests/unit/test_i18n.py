"""Dates in the locale's style, and catalogs that are complete."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import flask_babel
from babel.messages.pofile import read_po
from flask import Flask
from flask_babel import force_locale

from portal import i18n
from portal.config import ROOT

UTC = ZoneInfo("UTC")


def test_danish_long_datetime(app: Flask) -> None:
    with app.test_request_context(), force_locale("da"):
        # 09:00 UTC on 3 December 2024 is 10.00 in Copenhagen (winter time).
        value = datetime(2024, 12, 3, 9, 0, tzinfo=UTC)
        assert i18n.long_datetime(value) == "tirsdag den 3. december 2024 kl. 10.00"


def test_english_long_datetime_in_summer_time(app: Flask) -> None:
    with app.test_request_context(), force_locale("en"):
        value = datetime(2025, 6, 3, 8, 30, tzinfo=UTC)
        assert i18n.long_datetime(value) == "Tuesday 3 June 2025 at 10:30"


def test_relative_day_hints(app: Flask) -> None:
    today = date(2026, 3, 31)
    with app.test_request_context(), force_locale("da"):
        assert i18n.relative_day(date(2026, 3, 31), today) == "i dag"
        assert i18n.relative_day(date(2026, 4, 1), today) == "i morgen"
        assert i18n.relative_day(date(2026, 4, 3), today) == "om 3 dage"
        assert i18n.relative_day(date(2026, 3, 29), today) == "for 2 dage siden"
    with app.test_request_context(), force_locale("en"):
        assert i18n.relative_day(date(2026, 4, 1), today) == "tomorrow"
        assert i18n.relative_day(date(2026, 4, 2), today) == "in 2 days"


def _catalog(lang: str):  # type: ignore[no-untyped-def]
    with (ROOT / "locales" / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh, locale=lang)


def test_danish_catalog_translates_every_message() -> None:
    untranslated = []
    for message in _catalog("da"):
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings) or message.fuzzy:
            untranslated.append(message.id)
    assert not untranslated, f"Danish translations missing: {untranslated}"


def test_both_catalogs_hold_every_extracted_message() -> None:
    with (ROOT / "locales" / "messages.pot").open("rb") as fh:
        template = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh) if m.id}
    for lang in ("da", "en"):
        ids = {m.id if isinstance(m.id, str) else m.id[0] for m in _catalog(lang) if m.id}
        assert template <= ids, (
            f"{lang} lacks {sorted(template - ids)[:10]}; run `flask --app portal translate update`"
        )


def test_dates_of_a_moment_are_the_copenhagen_day(app: Flask) -> None:
    late = datetime(2026, 12, 14, 23, 30, tzinfo=ZoneInfo("UTC"))  # 00:30 on the 15th in Copenhagen
    with app.test_request_context(headers={"Accept-Language": "da"}):
        assert i18n.short_date(late) == "15. december 2026"
        assert i18n.long_date(late) == "tirsdag den 15. december 2026"


def test_templates_translate_in_the_locale_in_force_also_inside_force_locale(app: Flask) -> None:
    """The templates' gettext keeps the request's catalog (portal.i18n.page_translations);
    `force_locale` (a notice in the recipient's language) must still switch it, and back."""
    page = app.jinja_env.from_string("{{ _('Overview') }}")
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert page.render() == "Overview"
        with force_locale("da"):
            assert page.render() == "Overblik"
        assert page.render() == "Overview"
    with app.test_request_context(headers={"Accept-Language": "da"}):
        assert page.render() == "Overblik"


def test_template_gettext_does_what_jinjas_own_does(app: Flask) -> None:
    """portal.i18n.template_gettext stands in for Jinja's new-style gettext: translated,
    the values escaped once where the template escapes (and not where it does not), and
    always formatted, so '%%' is one '%' with or without values."""
    escaping = app.jinja_env.from_string(
        "{{ _('Citizen: %(name)s', name=who) }}|{{ gettext('Overview') }}|{{ _('100%%') }}"
    )
    plain = app.jinja_env.from_string(
        "{% autoescape false %}{{ _('Citizen: %(name)s', name=who) }}{% endautoescape %}"
    )
    with app.test_request_context(headers={"Accept-Language": "da"}):
        assert escaping.render(who="<b>Bo & Co</b>") == (
            "Borger: &lt;b&gt;Bo &amp; Co&lt;/b&gt;|Overblik|100%"
        )
        assert plain.render(who="<b>") == "Borger: <b>"


def test_dates_formatted_once_are_what_flask_babel_formats(app: Flask) -> None:
    """portal.i18n formats with Babel directly and keeps each result (the pages show the
    same dates on every view); it must say exactly what Flask-Babel says, in Copenhagen
    time, across the changes to and from summer time, and for a naive or a UTC moment."""
    utc = ZoneInfo("UTC")
    moments = [
        datetime(2026, 3, 29, 0, 59, tzinfo=utc),  # 01:59 winter time
        datetime(2026, 3, 29, 1, 0, tzinfo=utc),  # 03:00 summer time
        datetime(2026, 10, 25, 0, 30, tzinfo=utc),  # 02:30 summer time
        datetime(2026, 10, 25, 1, 30, tzinfo=utc),  # 02:30 winter time
        datetime(2026, 12, 31, 23, 30, tzinfo=utc),  # new year's day in Copenhagen
        datetime(2026, 6, 1, 9, 5),  # naive: taken as Copenhagen time
    ]
    patterns = ["EEEE 'den' d. MMMM y 'kl.' HH.mm", "EEEE d MMMM y 'at' HH:mm", "HH.mm"]
    for lang in ("da", "en", "da"):  # and back: each language keeps its own
        _formats_as_flask_babel(app, lang, moments, patterns)


def _formats_as_flask_babel(
    app: Flask, lang: str, moments: list[datetime], patterns: list[str]
) -> None:
    with app.test_request_context(headers={"Accept-Language": lang}):
        for moment in moments:
            local = moment.astimezone(i18n.TZ) if moment.tzinfo else moment.replace(tzinfo=i18n.TZ)
            for pattern in patterns:
                expected = flask_babel.format_datetime(local, pattern)
                assert i18n.format_datetime(moment, pattern) == expected, (moment, pattern)
                assert i18n.format_datetime(moment, pattern) == expected, "the kept one"
            day = local.date()
            for pattern in ("d. MMMM y", "EEEE d MMMM y", "MMMM"):
                assert i18n.format_date(day, pattern) == flask_babel.format_date(day, pattern)
        assert i18n.long_date(date(2026, 12, 3)) == (
            "torsdag den 3. december 2026" if lang == "da" else "Thursday 3 December 2026"
        )


def test_the_language_in_force_is_flask_babels_also_inside_force_locale_and_after_refresh(
    app: Flask,
) -> None:
    """portal.i18n.language() reads the locale where Flask-Babel keeps it: the same as
    str(get_locale()) in every case Flask-Babel changes it."""
    for asked in ("da", "en"):
        with app.test_request_context(headers={"Accept-Language": asked}):
            assert i18n.language() == str(flask_babel.get_locale()) == asked
            other = "en" if asked == "da" else "da"
            with force_locale(other):
                assert i18n.language() == other
            assert i18n.language() == asked
            flask_babel.refresh()
            assert i18n.language() == asked
    with app.test_request_context(headers={"Cookie": "mo_lang=en", "Accept-Language": "da"}):
        assert i18n.language() == "en"
