"""The plan API reference server: `create_app(config)` builds everything, nothing at import."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, request
from werkzeug.routing import BaseConverter

from storage import ping_when_idle, tune_sqlite

MIGRATIONS = str(Path(__file__).resolve().parent / "migrations")


class IdConverter(BaseConverter):
    """An opaque plan-API id; never the word `resolve`, which names an operation."""

    regex = r"(?!resolve$)[a-z0-9][a-z0-9-]{0,63}"


def create_app(config: dict[str, Any] | None = None) -> Flask:
    from planapi import cli, problems
    from planapi.access import check_service_token
    from planapi.config import from_env, refuse_unsafe
    from planapi.extensions import db, migrate
    from planapi.jsonfast import OrjsonProvider
    from planapi.problems import Problem
    from planapi.views import (
        access_log,
        composite,
        consents,
        events,
        experience,
        involvements,
        messages,
        persons,
        plan,
        questionnaires,
        service,
    )

    app = Flask(__name__)
    app.json = OrjsonProvider(app)
    app.url_map.converters["id"] = IdConverter
    app.config.update(from_env())
    app.config.update(config or {})
    refuse_unsafe(app.config)

    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS)
    with app.app_context():
        tune_sqlite(db.engine)
        ping_when_idle(db.engine)
    problems.init_app(app)

    @app.before_request
    def guard() -> None:
        limit = app.config["MAX_CONTENT_LENGTH"]
        if request.method == "POST" and request.path.endswith("/documents"):
            # A document travels base64-encoded in JSON: 4/3 of its size, plus the fields.
            limit = app.config["PLANAPI_DOCUMENT_MAX_BYTES"] * 4 // 3 + 64 * 1024
            request.max_content_length = limit
        if request.content_length is not None and request.content_length > limit:
            raise Problem(413, f"The request body is larger than {limit} bytes.", kind="too-large")
        if request.path.startswith("/v1"):
            check_service_token()

    @app.teardown_appcontext
    def finish(exc: BaseException | None) -> None:
        if exc is not None:
            db.session.rollback()

    app.register_blueprint(service.bp)
    app.register_blueprint(persons.bp)
    app.register_blueprint(plan.bp)
    app.register_blueprint(consents.bp)
    app.register_blueprint(questionnaires.bp)
    app.register_blueprint(access_log.bp)
    app.register_blueprint(messages.bp)
    app.register_blueprint(composite.bp)
    app.register_blueprint(events.bp)
    app.register_blueprint(involvements.bp)
    app.register_blueprint(experience.bp)
    cli.init_app(app)
    return app
