"""Mit Overblik for HOI: the citizen's portal."""

from __future__ import annotations

from typing import Any

import redis
from cachelib import FileSystemCache, SimpleCache
from flask import Flask, current_app, g, request, url_for
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from werkzeug.middleware.proxy_fix import ProxyFix

from auth import guards as auth_guards
from portal import (
    compression,
    errors,
    i18n,
    notices,
    outbox,
    production,
    ratelimits,
    security,
    staticfiles,
    uploads,
)
from portal import config as config_module
from portal.clients import base as planapi_base
from portal.clients import overview as planapi_overview
from portal.directory import PlanAPIDirectory
from portal.extensions import babel, csrf, db, limiter, login_manager, migrate, server_session
from portal.i18n import language
from portal.login_states import DatabaseLoginStates
from storage import tune_sqlite

# The main menu, in order; an entry shows once its blueprint is registered.
NAV_ITEMS = (
    ("overview.index", _l("Overview")),
    ("plan.index", _l("My plan")),
    ("appointments.index", _l("Appointments")),
    ("messages.index", _l("Messages")),
    ("letters.index", _l("Letters and decisions")),
    ("contact.index", _l("Contact")),
    ("consent.index", _l("Consent")),
    ("progress.index", _l("How it is going")),
    ("mydata.access_log", _l("Who has seen my data")),
)


def create_app(config: dict[str, Any] | None = None, env: str | None = None) -> Flask:
    settings = config_module.load(env, config)
    root = config_module.ROOT
    app = Flask(
        __name__,
        template_folder=str(root / "templates"),
        static_folder=str(root / "static"),
        instance_path=str(root / "var"),
    )
    app.config.from_mapping(settings)
    app.request_class = uploads.UploadRequest
    if app.config["ENV_NAME"] == "production":
        production.refuse_unsafe(app.config, debug=app.debug)
    if app.config["PROXY_HOPS"]:
        # The client address (rate limits, logs) from the trusted proxies' X-Forwarded-For.
        hops = int(app.config["PROXY_HOPS"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    _prepare_sessions(app)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(root / "portal" / "migrations"))
    with app.app_context():
        tune_sqlite(db.engine)
    babel.init_app(
        app,
        locale_selector=i18n.select_locale,
        default_translation_directories=str(root / "locales"),
    )
    csrf.init_app(app)
    limiter.init_app(app)
    server_session.init_app(app)
    planapi_base.init_app(app)
    planapi_overview.init_app(app)  # the answers held for repeat reads
    i18n.init_app(app)
    security.init_app(app)
    compression.init_app(app)
    errors.init_app(app)
    auth_guards.init_app(
        app,
        login_manager=login_manager,
        directory=PlanAPIDirectory(),
        login_states=DatabaseLoginStates(),
    )
    outbox.init_app(app)
    notices.init_app(app)
    staticfiles.init_app(app)
    _configure_jinja(app)
    _register_blueprints(app)
    ratelimits.init_app(app)
    _register_commands(app)
    return app


def _prepare_sessions(app: Flask) -> None:
    if app.config["SESSION_TYPE"] == "redis":
        app.config["SESSION_REDIS"] = redis.Redis.from_url(app.config["SESSION_REDIS_URL"])
    elif app.config["SESSION_TYPE"] == "cachelib":
        directory = app.config["SESSION_DIR"]
        app.config["SESSION_CACHELIB"] = (
            FileSystemCache(directory, threshold=100_000) if directory else SimpleCache()
        )
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        (config_module.ROOT / "var").mkdir(exist_ok=True)


URLS_KEPT = 4096  # addresses kept per process by the templates' url_for (`page_url`)


def _configure_jinja(app: Flask) -> None:
    from jinja2 import FileSystemBytecodeCache, StrictUndefined

    app.jinja_env.undefined = StrictUndefined
    if not app.testing:  # compiled templates kept between worker starts
        cache = config_module.ROOT / "var" / "jinja-cache"
        cache.mkdir(parents=True, exist_ok=True)
        app.jinja_env.bytecode_cache = FileSystemBytecodeCache(str(cache))
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    # The page layout; the plan as PDF (portal/pdf.py) renders the same pages in its own.
    app.jinja_env.globals["page_layout"] = "layouts/base.html"
    built_urls: dict[tuple[Any, ...], str] = {}

    def page_url(endpoint: str, **values: Any) -> str:
        """`url_for` for templates, built once per process for each endpoint and values: a
        path here depends on nothing else (no subdomains, and the static build's file names
        are fixed at start), and a page asks for about 35. A relative endpoint, an address
        with its host (`_external`) or an unhashable value is built afresh. Bounded: when
        full, it starts over."""
        if endpoint.startswith(".") or values.get("_external"):
            return url_for(endpoint, **values)
        key = (request.script_root, endpoint, *sorted(values.items()))
        try:
            url = built_urls.get(key)
        except TypeError:  # a list or dict among the values
            return url_for(endpoint, **values)
        if url is None:
            if len(built_urls) >= URLS_KEPT:
                built_urls.clear()
            url = built_urls[key] = url_for(endpoint, **values)
        return url

    def fixed_url(endpoint: str, filename: str = "") -> str:
        """The address of a static file or of a page without arguments."""
        return page_url(endpoint, filename=filename) if filename else page_url(endpoint)

    app.jinja_env.globals["url_for"] = page_url
    app.jinja_env.globals["fixed_url"] = fixed_url

    def icon(name: str, label: str | None = None, classes: str = "") -> Markup:
        """An icon from the sprite (static/img/icons.svg), hidden from screen readers unless
        it has a label. A function, not a macro: a page shows up to a dozen, and a macro
        call and each template's import of the macro cost more than the icon's HTML."""
        return Markup(
            '<svg class="icon-svg{}" focusable="false"{}><use href="{}#{}"></use></svg>'
        ).format(
            Markup(" ") + classes if classes else "",
            Markup(' role="img" aria-label="{}"').format(label)
            if label
            else Markup(' aria-hidden="true"'),
            fixed_url("static", "img/icons.svg"),
            name,
        )

    app.jinja_env.globals["icon"] = icon
    # A global, not from the context processor, so macros imported without the page's
    # context (cached once per process) can ask it too.
    app.jinja_env.globals["has_endpoint"] = app.view_functions.__contains__
    fragments: dict[tuple[Any, ...], Markup] = {}

    def fragment(name: str, **values: Any) -> Markup:
        """A part of the layout that is the same HTML for everyone who sees the same values
        (the menu, the footer), rendered once per process, language and values: the menu
        alone was a sixth of a plain page's work. The values are strings, booleans, tuples
        or dicts of those, and nothing else reaches the fragment."""
        key = (name, request.script_root, language(), _frozen(values))
        html = fragments.get(key)
        if html is None:
            # An .html template escapes what it shows (autoescape): its output is markup.
            html = Markup(app.jinja_env.get_template(name).render(**values))  # noqa: S704
            fragments[key] = html
        return html

    app.jinja_env.globals["fragment"] = fragment
    app.jinja_env.globals["nav_labels"] = dict(NAV_ITEMS)

    @app.context_processor
    def layout_context() -> dict[str, Any]:
        endpoints = current_app.view_functions
        return {
            "acting": g.get("acting"),
            "nav_endpoints": tuple(e for e, _ in NAV_ITEMS if e in endpoints and _covered(e)),
            "current_locale": language(),
            "authority": {
                "name": current_app.config["AUTHORITY_NAME"],
                "phone": current_app.config["AUTHORITY_PHONE"],
                "email": current_app.config["AUTHORITY_EMAIL"],
                "address": current_app.config["AUTHORITY_ADDRESS"],
                "dpo_email": current_app.config["AUTHORITY_DPO_EMAIL"],
            },
            "is_htmx": request.headers.get("HX-Request") == "true",
            "demo_uses_simulator": production.uses_simulator(current_app.config),
        }


def _frozen(value: Any) -> Any:
    """A hashable stand-in for a fragment's values (dicts as sorted pairs)."""
    if isinstance(value, dict):
        return tuple((k, _frozen(v)) for k, v in sorted(value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(_frozen(v) for v in value)
    return value


def _covered(endpoint: str) -> bool:
    """A menu entry shows only when the acting basis covers the page (power of attorney)."""
    from auth.guards import required_scopes

    acting = g.get("acting")
    return acting is None or all(acting.covers(s) for s in required_scopes(endpoint))


def _register_blueprints(app: Flask) -> None:
    from portal.notices import views as notices_views
    from portal.views import (
        about,
        appointments,
        consent,
        contact,
        health,
        inbox,
        letters,
        messages,
        mydata,
        overview,
        plan,
        preview,
        progress,
    )

    for module in (
        notices_views,
        health,
        about,
        overview,
        plan,
        appointments,
        contact,
        consent,
        progress,
        preview,
        mydata,
        messages,
        letters,
        inbox,
    ):
        app.register_blueprint(module.bp)


def _register_commands(app: Flask) -> None:
    import subprocess
    import sys

    import click

    root = str(config_module.ROOT)

    def pybabel(*args: str) -> None:
        subprocess.run(
            [sys.executable, "-m", "babel.messages.frontend", *args], cwd=root, check=True
        )

    @app.cli.group()
    def translate() -> None:
        """Extract, update and compile the message catalogs under locales/."""

    @translate.command()
    def update() -> None:
        """Extract every translatable string and merge it into locales/da and locales/en."""
        pybabel(
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "--no-location",
            "--sort-output",
            "-o",
            "locales/messages.pot",
            ".",
        )
        pybabel(
            "update",
            "-i",
            "locales/messages.pot",
            "-d",
            "locales",
            "--no-fuzzy-matching",
            "--ignore-obsolete",
        )

    @translate.command()
    @click.argument("lang")
    def init(lang: str) -> None:
        """Start a catalog for a new language."""
        pybabel("init", "-i", "locales/messages.pot", "-d", "locales", "-l", lang)

    @translate.command()
    def compile() -> None:
        """Compile the catalogs (.po → .mo); the setup scripts run this."""
        pybabel("compile", "-d", "locales", "--statistics")

    @app.cli.command("init-db")
    def init_db() -> None:
        """Bring the portal's tables (outbox, drafts, calendar feeds) up to date."""
        from flask_migrate import stamp, upgrade
        from sqlalchemy import inspect

        tables = set(inspect(db.engine).get_table_names())
        if "outbox_message" in tables and "alembic_version" not in tables:
            # Made by create_all() before the portal had migrations: the initial schema.
            stamp(revision="0001")
        upgrade()
        print("portal database ready")
