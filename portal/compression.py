"""HTML compressed in the app, with BREACH kept out.

A warm navigation is almost only HTML, so compressing it is most of the bytes a page view
costs. Compression next to a secret lets an attacker who can inject text into the same
response guess the secret byte by byte from the response sizes (BREACH). So:

- the CSRF token is masked afresh in every response (as Django does): the form carries a
  random mask and the token XOR that mask, so no two responses share the secret's bytes;
  `MaskedCSRFProtect` unmasks what a form or the X-CSRFToken header sends back;
- only responses that reflect nothing from the request are compressed: GET without a
  query string (a filter, a search, a form sent back with its errors is sent as is);
- session ids live in cookies, never in the body.
"""

from __future__ import annotations

import base64
import gzip
import secrets
from typing import Any

import brotli
from flask import Flask, Response, request
from flask_wtf.csrf import CSRFProtect, generate_csrf

MIN_SIZE = 512  # smaller answers fit a packet as they are


def mask(token: str) -> str:
    """The token under a fresh random mask: base64(mask ‖ token XOR mask)."""
    raw = token.encode()
    pad = secrets.token_bytes(len(raw))
    return base64.urlsafe_b64encode(
        pad + bytes(a ^ b for a, b in zip(raw, pad, strict=True))
    ).decode()


def unmask(masked: str) -> str:
    """The token a masked value carries; "" for anything that is not one."""
    try:
        data = base64.urlsafe_b64decode(masked.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        return ""
    half = len(data) // 2
    if not data or len(data) % 2:
        return ""
    pad, cipher = data[:half], data[half:]
    try:
        return bytes(a ^ b for a, b in zip(cipher, pad, strict=True)).decode("ascii")
    except UnicodeDecodeError:
        return ""


def masked_csrf_token() -> str:
    """For templates (`csrf_token()`): the session's token, masked anew at every call."""
    return mask(generate_csrf())


class MaskedCSRFProtect(CSRFProtect):
    """Flask-WTF's CSRF check, on the unmasked token."""

    def _get_csrf_token(self) -> Any:
        sent = super()._get_csrf_token()
        return unmask(sent) if sent else sent


def _compressible(response: Response) -> bool:
    return (
        request.method == "GET"
        and not request.query_string
        and response.status_code == 200
        and response.mimetype == "text/html"
        and not response.direct_passthrough
        and "Content-Encoding" not in response.headers
    )


def _encoding() -> str | None:
    accepted = request.accept_encodings
    if accepted["br"]:
        return "br"
    if accepted["gzip"]:
        return "gzip"
    return None


def init_app(app: Flask) -> None:
    # Flask-WTF sets both a global and a context processor; both give the masked token.
    app.jinja_env.globals["csrf_token"] = masked_csrf_token
    app.context_processor(lambda: {"csrf_token": masked_csrf_token})
    if not app.config["COMPRESS_HTML"]:
        return

    @app.after_request
    def compress(response: Response) -> Response:
        if not _compressible(response):
            return response
        response.vary.add("Accept-Encoding")
        encoding = _encoding()
        body = response.get_data()
        if encoding is None or len(body) < MIN_SIZE:
            return response
        if encoding == "br":
            packed = brotli.compress(body, mode=brotli.MODE_TEXT, quality=5)
        else:
            packed = gzip.compress(body, compresslevel=6)
        response.set_data(packed)
        response.headers["Content-Encoding"] = encoding
        return response
