"""Locale selection and Danish-style date formatting."""

from __future__ import annotations

import functools
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale, dates
from babel.support import NullTranslations
from flask import Flask, current_app, g, request
from flask_babel import get_locale, get_translations, ngettext
from flask_babel import gettext as _
from jinja2 import pass_eval_context
from jinja2.nodes import EvalContext
from markupsafe import Markup, escape

TZ = ZoneInfo("Europe/Copenhagen")


def language() -> str:
    """The language in force, 'da' or 'en': `str(get_locale())` without Flask-Babel's three
    context look-ups and Babel's identifier built anew, on every call (a page asks about
    thirty times). Reads the locale where Flask-Babel keeps it for the request, which its
    `force_locale` sets for the block and `refresh()` drops."""
    babel_ctx = g.get("_flask_babel") if g else None
    locale = getattr(babel_ctx, "babel_locale", None)
    return _identifier(locale if locale is not None else get_locale())


@functools.lru_cache(maxsize=32)
def _identifier(locale: Locale | None) -> str:
    return str(locale)


def select_locale() -> str:
    """An explicit choice (cookie) wins, then the browser's Accept-Language, then Danish."""
    languages = current_app.config["LANGUAGES"]
    chosen = request.cookies.get(current_app.config["LANGUAGE_COOKIE"])
    if chosen in languages:
        return str(chosen)
    return request.accept_languages.best_match(languages) or languages[0]


def _local(value: datetime) -> datetime:
    return value.astimezone(TZ) if value.tzinfo else value.replace(tzinfo=TZ)


@functools.lru_cache(maxsize=4096)
def _formatted(value: date, pattern: str, locale: str) -> str:
    """Babel's formatting of a day or a moment (in the time zone it is in), once per process
    for each value, pattern and language: it costs a few hundred Python calls, and the
    pages show the same few dates on every view."""
    if isinstance(value, datetime):
        return dates.format_datetime(value, pattern, locale=locale)
    return dates.format_date(value, pattern, locale=locale)


def format_date(value: date, pattern: str) -> str:
    """A day in the language in force (as Flask-Babel's format_date)."""
    return _formatted(value, pattern, language())


def format_datetime(value: datetime, pattern: str) -> str:
    """A moment in Copenhagen time in the language in force (as Flask-Babel's, whose time
    zone is Copenhagen's: BABEL_DEFAULT_TIMEZONE)."""
    return _formatted(_local(value), pattern, language())


def long_datetime(value: datetime) -> str:
    """'tirsdag den 3. december 2024 kl. 10.00' / 'Tuesday 3 December 2024 at 10:00'."""
    if language() == "da":
        return format_datetime(value, "EEEE 'den' d. MMMM y 'kl.' HH.mm")
    return format_datetime(value, "EEEE d MMMM y 'at' HH:mm")


def _day(value: date) -> date:
    """The calendar day in Copenhagen: a datetime's UTC day can be the day before or after."""
    return _local(value).date() if isinstance(value, datetime) else value


def long_date(value: date) -> str:
    value = _day(value)
    if language() == "da":
        return format_date(value, "EEEE 'den' d. MMMM y")
    return format_date(value, "EEEE d MMMM y")


def short_date(value: date) -> str:
    value = _day(value)
    if language() == "da":
        return format_date(value, "d. MMMM y")
    return format_date(value, "d MMMM y")


def time_of_day(value: datetime) -> str:
    return format_datetime(value, "HH.mm" if language() == "da" else "HH:mm")


def relative_day(value: date | datetime, today: date | None = None) -> str:
    """A short hint such as 'i dag', 'i morgen', 'om 3 dage', 'for 2 dage siden'."""
    day = _day(value)
    today = today or datetime.now(TZ).date()
    delta = (day - today).days
    if delta == 0:
        return _("today")
    if delta == 1:
        return _("tomorrow")
    if delta == -1:
        return _("yesterday")
    if delta > 1:
        return ngettext("in %(num)d day", "in %(num)d days", delta)
    return ngettext("%(num)d day ago", "%(num)d days ago", -delta)


def danish(value: object) -> Markup:
    """Text the plan API wrote in Danish (goals, plan items, names of laws), marked as Danish
    on a page in another language (WCAG 3.1.2, language of parts); as it is on a Danish page."""
    if value is None or value == "":
        return Markup("")
    if language() == "da":
        return escape(value)
    return Markup('<span lang="da">%s</span>') % value


def with_danish(translated: str, **parts: object) -> Markup:
    """A translated sentence with the plan API's Danish words put into its `%(name)s`
    placeholders, each marked as Danish (`danish`); the sentence itself is escaped."""
    # The sentence is escaped here and every part by `danish`: no raw text gets in.
    return Markup(escape(translated)) % {n: danish(v) for n, v in parts.items()}  # noqa: S704


def first_name(name: str) -> str:
    return name.split()[0] if name.split() else name


def possessive(name: str) -> str:
    """A first name in the genitive: 'Emmas' / "Emma's". Danish writes a bare apostrophe
    after s, x or z ('Jonas' mål'); English adds 's ("Jonas's goal")."""
    first = first_name(name)
    if language() == "da":
        return f"{first}'" if first[-1:].lower() in ("s", "x", "z") else f"{first}s"
    return f"{first}'s"


DATE_INPUT_FORMATS = ("%d.%m.%Y", "%d-%m-%Y", "%d/%m/%Y", "%Y-%m-%d")


def parse_date_input(text: str) -> date | None:
    """A date typed in a form field, Danish style ('24.12.2026'; also with - or /, and ISO
    from a browser's own date field); None when it is not a date."""
    for pattern in DATE_INPUT_FORMATS:
        try:
            return datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            continue
    return None


def date_input_value(value: date) -> str:
    """A date as the form fields show and expect it: '24.12.2026' in both languages."""
    return f"{value.day}.{value.month}.{value.year}"


def date_example(days_from_today: int) -> str:
    """An example for a date field's hint, from today, so it is never stale or in the past
    where the field wants a future day."""
    return date_input_value(today() + timedelta(days=days_from_today))


def today() -> date:
    """Today in Copenhagen."""
    return datetime.now(TZ).date()


def page_translations() -> NullTranslations:
    """The catalog for the locale in force, looked up once per request and locale.

    A page's templates call gettext about seventy times; Flask-Babel finds the catalog
    afresh on each call (three context look-ups and the locale's name built as a string).
    Kept where Flask-Babel itself keeps a request's catalog (`babel_translations` on its
    request namespace), which its `force_locale` empties for the block (a notice in the
    recipient's language gets its own catalog) and gives back after, and `refresh()`
    drops."""
    babel_ctx = g.get("_flask_babel")
    if babel_ctx is None:  # Flask-Babel has not looked at this request yet
        return get_translations()
    translations: NullTranslations | None = getattr(babel_ctx, "babel_translations", None)
    if translations is None:
        translations = babel_ctx.babel_translations = get_translations()
    return translations


@pass_eval_context
def template_gettext(eval_ctx: EvalContext, string: str, **variables: Any) -> str:
    """`_()` and `gettext()` in templates: what Jinja's own (new-style) gettext does, marked
    safe where the template escapes and always formatted with `%`, in one call instead of
    three (Jinja's `_` looks `gettext` up and calls it, which calls the catalog)."""
    text: str = page_translations().ugettext(string)
    if eval_ctx.autoescape:
        text = Markup(text)  # noqa: S704 - a translation, as Jinja's i18n extension does
    return text % variables


def init_app(app: Flask) -> None:
    # After babel.init_app: the same callables as Flask-Babel's, on the memoised catalog.
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: page_translations().ugettext(s),
        ngettext=lambda s, p, n: page_translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: page_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: page_translations().unpgettext(c, s, p, n),
    )
    app.jinja_env.globals.update(_=template_gettext, gettext=template_gettext)
    app.jinja_env.globals.update(today=today, date_example=date_example)
    app.jinja_env.filters.update(
        danish=danish,
        possessive=possessive,
        first_name=first_name,
        date_input_value=date_input_value,
        long_datetime=long_datetime,
        long_date=long_date,
        short_date=short_date,
        time_of_day=time_of_day,
        relative_day=relative_day,
    )
