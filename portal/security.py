"""Security headers for every response."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def content_security_policy(app: Flask) -> str:
    # Logging in and out are form posts that redirect to the identity provider, and
    # Chromium applies form-action to such redirects, so the providers are allowed there.
    providers = sorted(
        {
            o
            for o in (_origin(app.config["OIDC_ISSUER"]), _origin(app.config["WORKFORCE_ISSUER"]))
            if o
        }
    )
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action " + " ".join(["'self'", *providers]),
            "frame-ancestors 'none'",
        ]
    )


def init_app(app: Flask) -> None:
    csp = content_security_policy(app)

    @app.after_request
    def set_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", csp)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if app.config["HSTS"]:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if response.mimetype == "text/html":
            # Pages hold personal data: never store them in shared or back/forward caches.
            headers.setdefault("Cache-Control", "no-store")
            response.vary.add("HX-Request")
        return response
