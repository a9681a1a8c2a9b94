"""The plan as PDF: the fridge plan and the full plan, tagged (PDF/UA-1) with IBM Plex Sans
embedded, made with WeasyPrint from the same templates as the pages.

`plan_pdf(caller, person_id, kind=..., language=...)` is the one function: the pages offer
its file for download, and the notification service sends the same file by Digital Post
when the plan changes (it calls this function with the caller it acts as, inside an app
context; a request context is made when there is none).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from datetime import date
from pathlib import Path
from typing import Any, Literal

from flask import current_app, has_request_context, render_template
from flask_babel import force_locale

from portal.clients.appointments import AppointmentsClient
from portal.clients.base import Caller
from portal.clients.contacts import ContactsClient
from portal.clients.plan import PlanClient
from portal.config import ROOT

Kind = Literal["full", "fridge"]
STATIC = ROOT / "static"
STYLESHEET = STATIC / "css" / "pdf.css"
TEMPLATES: dict[str, str] = {"full": "pages/plan/index.html", "fridge": "pages/plan/fridge.html"}
# Laying out a PDF costs about half a second of CPU; the HTML it is made from is cheap. The
# file is a pure function of that HTML (the stylesheet and fonts are fixed), so the last few
# are kept by the HTML's digest: a citizen who opens the plan twice, and the Digital Post
# notice made from the same plan, cost one layout. Same HTML, same file: nothing of one
# person can come out for another.
CACHE_SIZE = 16
_cache: OrderedDict[bytes, bytes] = OrderedDict()
_cache_lock = threading.Lock()


def _context(caller: Caller, person_id: str, kind: Kind) -> dict[str, Any]:
    plans = PlanClient(caller)
    plan = plans.get_plan(person_id)
    context: dict[str, Any] = {
        "plan": plan,
        "plan_failed": False,
        "cases": [],
        "cases_failed": False,
        "upcoming": [],
        "primary": None,
    }
    if plan is None:
        return context
    if kind == "full":
        context["cases"] = plans.list_cases(person_id)
    else:
        upcoming = AppointmentsClient(caller).list_appointments(person_id)
        context["upcoming"] = [a for a in upcoming if not a.cancelled]
        contacts = ContactsClient(caller).list_contacts(person_id)
        context["primary"] = next((c for c in contacts if c.is_primary), None)
    return context


def _fetcher() -> Any:
    """WeasyPrint may read the vendored fonts and nothing else: no network at all."""
    from weasyprint.urls import URLFetcher

    class StaticOnly(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> Any:
            path = Path(url.removeprefix("file://")).resolve()
            if not url.startswith("file://") or not path.is_relative_to(STATIC):
                raise ValueError(f"not fetched for a PDF: {url[:80]}")
            return super().fetch(url, headers)

    return StaticOnly(allowed_protocols=["file"], fail_on_errors=True)


def render_html(caller: Caller, person_id: str, kind: Kind) -> str:
    context = _context(caller, person_id, kind)
    return render_template(
        TEMPLATES[kind], page_layout="layouts/pdf.html", printed_on=date.today(), **context
    )


def plan_pdf(caller: Caller, person_id: str, *, kind: Kind = "full", language: str = "da") -> bytes:
    """The person's plan as PDF bytes ("full" or "fridge"), in Danish or English."""
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    if has_request_context():
        with force_locale(language):
            html = render_html(caller, person_id, kind)
    else:
        with current_app.test_request_context(), force_locale(language):
            html = render_html(caller, person_id, kind)
    key = hashlib.sha256(html.encode()).digest()
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    fonts = FontConfiguration()
    fetcher = _fetcher()
    stylesheet = CSS(filename=str(STYLESHEET), font_config=fonts, url_fetcher=fetcher)
    document = HTML(string=html, base_url=str(STATIC) + "/", url_fetcher=fetcher)
    pdf: bytes = document.write_pdf(
        stylesheets=[stylesheet], font_config=fonts, pdf_variant="pdf/ua-1", pdf_tags=True
    )
    with _cache_lock:
        _cache[key] = pdf
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return pdf
