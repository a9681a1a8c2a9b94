"""Idempotency-Key for writes: the same key and body give the same answer and one record."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from typing import Any

from flask import Response, jsonify, request
from sqlalchemy.exc import IntegrityError

from planapi import clock
from planapi.extensions import db
from planapi.models import IdempotencyRecord
from planapi.problems import Problem, invalid

KEY_RE = re.compile(r"^[!-~]{1,200}$")


def key_from_headers() -> str:
    key = request.headers.get("Idempotency-Key")  # equivalent: the name in another case
    if key is None or not KEY_RE.fullmatch(key):
        raise invalid(
            [{"field": "Idempotency-Key", "message": "required: 1-200 printable characters"}],
            status=400,
        )
    return key


def _fingerprint() -> str:
    try:
        body = json.loads(request.get_data(cache=True) or b"null")
    except ValueError:
        # Not JSON: the bytes themselves (decoding with replacement would make different
        # bodies one). JSON bodies keep the material they always had: stored keys still match.
        # cache=False or None here reads the same bytes: the line above already cached them.
        body = {"bytes": request.get_data(cache=True).hex()}  # equivalent: above
    material = json.dumps(
        [
            request.method,
            request.path,
            request.headers.get("X-Actor-Id"),  # equivalent: the name in another case
            request.headers.get("X-Basis"),  # equivalent: the name in another case
            body,
        ],
        sort_keys=True,
        ensure_ascii=True,  # equivalent: left out, True is json.dumps's default
    )
    return hashlib.sha256(material.encode()).hexdigest()


def _replay(record: IdempotencyRecord, fingerprint: str) -> Response:
    if record.fingerprint != fingerprint:
        raise Problem(
            422,
            "This Idempotency-Key was already used for a different request.",
            kind="idempotency-key-reused",
        )
    response = jsonify(record.body)
    response.status_code = record.status
    response.headers["Idempotent-Replayed"] = "true"  # equivalent: the name in another case
    return response


def run_once(key: str, work: Callable[[], tuple[dict[str, Any], int]]) -> Response:
    """Run `work` (which adds to the session but does not commit) at most once per key."""
    fingerprint = _fingerprint()
    existing = db.session.get(IdempotencyRecord, key)
    if existing is not None:
        return _replay(existing, fingerprint)
    body, status = work()
    db.session.add(
        IdempotencyRecord(
            key=key, fingerprint=fingerprint, status=status, body=body, created_at=clock.now()
        )
    )
    try:
        db.session.commit()
    except IntegrityError:
        # A concurrent request with the same key won the race: answer as it did.
        db.session.rollback()
        winner = db.session.get(IdempotencyRecord, key)
        if winner is None:
            raise
        return _replay(winner, fingerprint)
    response = jsonify(body)
    response.status_code = status
    return response
