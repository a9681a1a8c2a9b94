"""The preview pages (see the issue that owns them)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("preview", __name__)
