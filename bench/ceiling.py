"""The ceiling for bench/throughput.py: a trivial Flask route under the same gunicorn settings."""

from flask import Flask


def create_app() -> Flask:
    app = Flask(__name__)

    @app.get("/")
    def hello() -> str:
        return "ok"

    return app
