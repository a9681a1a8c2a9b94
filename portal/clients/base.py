"""The one place that talks HTTP to the plan API.

Every resource client subclasses `PlanAPIClient`. Timeouts, bounded retries for
idempotent reads, error mapping and parsing into typed models happen here, once,
so views only ever see models or one of the exceptions below.
"""

from __future__ import annotations

import functools
import json as jsonlib
import re
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar, cast
from urllib.parse import quote, urlencode, urlsplit

import httpx
import urllib3
from flask import Flask, current_app, g, has_request_context
from pydantic import BaseModel, TypeAdapter, ValidationError

# Who is asking lives in `identity`, shared with `auth`; re-exported for the clients.
from identity import Basis as Basis
from identity import Caller as Caller

ModelT = TypeVar("ModelT")


class PlanAPIError(Exception):
    """Base for every error a client raises."""

    def __init__(
        self, message: str, status: int | None = None, problem: dict[str, Any] | None = None
    ):
        super().__init__(message)
        self.status = status
        self.problem = problem or {}


class PlanAPIUnavailable(PlanAPIError):
    """Down, too slow, a 5xx answer, or an answer we cannot read. Safe to show a notice."""


class PlanAPINotFound(PlanAPIError):
    pass


class PlanAPIForbidden(PlanAPIError):
    pass


class PlanAPIRejected(PlanAPIError):
    """A 4xx other than 403/404: the request itself was refused (validation, conflict)."""

    @property
    def field_errors(self) -> dict[str, str]:
        errors = self.problem.get("errors") or {}
        if isinstance(errors, dict):
            return {str(k): str(v) for k, v in errors.items()}
        if isinstance(errors, list):
            return {
                str(e.get("field", "")): str(e.get("message", ""))
                for e in errors
                if isinstance(e, dict)
            }
        return {}


@dataclass(frozen=True)
class Write:
    """One write to the plan API as a resource client describes it; `portal.outbox` sends it.

    `kind` says what it is ("consent.grant"), `person_id` whose data it changes and
    `resource_id` which of their resources it is about ("" for a new one); with the actor
    they bind the idempotency key, and they are stored as ids, never parsed back out of
    `path`.
    """

    kind: str
    person_id: str
    resource_id: str
    path: str
    payload: dict[str, Any]
    method: Literal["POST", "PUT", "PATCH", "DELETE"] = "POST"


def init_app(app: Flask) -> None:
    """Create the pooled HTTP client once per app (and per process)."""
    app.extensions["planapi_http"] = PlanAPIHTTP(
        app.config["PLANAPI_URL"],
        timeout=app.config["PLANAPI_TIMEOUT"],
        token=app.config["PLANAPI_SERVICE_TOKEN"],
        transport=app.config.get("PLANAPI_TRANSPORT"),
    )


class PlanAPIHTTP:
    """HTTP to the plan API: kept-alive connections (urllib3's pool), one request at a time.

    Not httpx.Client: building its request and answer cost about 0.5 ms of CPU per call,
    against 0.1 ms for the same request through urllib3, and a page makes one call. The
    answer is still an `httpx.Response` and the failures httpx's exceptions (timeouts as
    `httpx.TimeoutException`, refused or reset as `httpx.TransportError`), so the clients
    and their tests see one interface. With a `transport` (the tests' fake plan API, an
    in-process plan API) the same request goes to it instead of the network. The plan API
    is reached directly: proxy settings in the environment are not used."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float,
        token: str,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        parts = urlsplit(base_url)
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.prefix = parts.path.rstrip("/")  # a plan API under a path: https://host/hoi
        self.timeout = timeout
        self.headers = {
            "Authorization": f"Bearer {token}",
            "Accept": "application/json",
            "User-Agent": "mit-overblik-portal",
        }
        self.transport = transport
        self.pool = (
            None
            if transport is not None
            else urllib3.connection_from_url(self.origin, maxsize=20, block=False, retries=False)
        )

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
        timeout: float | None = None,
    ) -> httpx.Response:
        target = self.prefix + path
        if params:
            target += "?" + urlencode({k: _query_value(v) for k, v in params.items()})
        sent = self.headers | (headers or {})
        content = None
        if json is not None:
            text = jsonlib.dumps(json, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
            content = text.encode()
            sent["Content-Type"] = "application/json"
        seconds = timeout or self.timeout
        if self.pool is None:
            return self._through_transport(method, target, sent, content, seconds)
        try:
            answer = self.pool.urlopen(
                method,
                target,
                body=content,
                headers=sent,
                redirect=False,
                timeout=urllib3.Timeout(connect=min(seconds, 1.0), read=seconds),
            )
        # NewConnectionError is a ConnectTimeoutError in urllib3: refused is not slow.
        except urllib3.exceptions.NewConnectionError as exc:
            raise httpx.ConnectError(str(exc)) from exc
        except urllib3.exceptions.ConnectTimeoutError as exc:
            raise httpx.ConnectTimeout(str(exc)) from exc
        except urllib3.exceptions.ReadTimeoutError as exc:
            raise httpx.ReadTimeout(str(exc)) from exc
        except urllib3.exceptions.LocationValueError as exc:
            raise httpx.InvalidURL(str(exc)) from exc
        except urllib3.exceptions.HTTPError as exc:  # reset, closed mid-answer, bad framing
            raise httpx.RemoteProtocolError(str(exc)) from exc
        return httpx.Response(answer.status, headers=answer.headers, content=answer.data)

    def _through_transport(
        self, method: str, target: str, headers: dict[str, str], body: bytes | None, seconds: float
    ) -> httpx.Response:
        assert self.transport is not None
        request = httpx.Request(
            method,
            self.origin + target,
            headers=headers,
            content=body,
            extensions={"timeout": httpx.Timeout(seconds, connect=min(seconds, 1.0)).as_dict()},
        )
        response = self.transport.handle_request(request)
        response.read()
        return response

    def get(self, path: str, timeout: float | None = None) -> httpx.Response:
        return self.request("GET", path, timeout=timeout)


def _query_value(value: Any) -> str:
    """A query parameter's value as httpx wrote it: true/false, "" for None."""
    if value is True or value is False:
        return "true" if value else "false"
    return "" if value is None else str(value)


# Every segment of a plan-API path is a word of the contract or an id/version, and those
# follow the contract's patterns (components.schemas.Id and Version): a letter or digit
# first, then letters, digits, '.', '-' or '_'. So '..', '%2e', '/' or '?' in a value from
# the address bar can never make the portal ask for another resource.
SEGMENT = re.compile(r"[0-9A-Za-z][0-9A-Za-z._-]{0,63}")


def resource_path(path: str) -> str:
    """The path, each segment checked and encoded on its own; PlanAPINotFound if one is not
    a segment the contract allows (so a hostile id is a 404 and never reaches the API)."""
    if not path.startswith("/"):
        raise PlanAPINotFound("not a valid resource path", 404)
    segments = path[1:].split("/")
    if not all(SEGMENT.fullmatch(segment) for segment in segments):
        raise PlanAPINotFound("not a valid resource path", 404)
    return "/" + "/".join(quote(segment, safe="") for segment in segments)


class PlanAPIClient:
    """Base for the resource clients. Subclasses only name paths and models."""

    def __init__(self, caller: Caller | None = None, http: PlanAPIHTTP | None = None):
        self.caller = caller
        self.http: PlanAPIHTTP = http or current_app.extensions["planapi_http"]
        self.read_retries: int = current_app.config["PLANAPI_READ_RETRIES"] if http is None else 0

    def _headers(self, idempotency_key: str | None = None) -> dict[str, str]:
        headers = self.caller.headers() if self.caller else {}
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        return headers

    def _send(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        idempotency_key: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        if has_request_context() and g.get("planapi_timed_out"):
            # One page waits for one timeout at most, not one per call (the 3-second budget).
            raise PlanAPIUnavailable("plan API timed out earlier in this request")
        path = resource_path(path)
        attempts = 1 + (self.read_retries if method == "GET" else 0)
        last: Exception | None = None
        for _ in range(attempts):
            try:
                response = self.http.request(
                    method,
                    path,
                    params=params,
                    json=json,
                    headers=self._headers(idempotency_key) | (headers or {}),
                )
            except httpx.InvalidURL as exc:
                # An id from the address bar that cannot even be a URL names nothing.
                raise PlanAPINotFound("not a valid resource path", 404) from exc
            except httpx.TimeoutException as exc:  # a slow API stays slow: no second wait
                if has_request_context():
                    g.planapi_timed_out = True
                last = exc
                break
            except httpx.TransportError as exc:  # refused, reset
                last = exc
                continue
            if response.status_code >= 500:
                last = PlanAPIUnavailable(
                    f"plan API answered {response.status_code}", response.status_code
                )
                continue
            return response
        raise PlanAPIUnavailable(f"plan API unavailable: {last}") from last

    @staticmethod
    def _problem(response: httpx.Response) -> dict[str, Any]:
        try:
            body = response.json()
        except ValueError:
            return {}
        return body if isinstance(body, dict) else {}

    def _check(self, response: httpx.Response) -> httpx.Response:
        status = response.status_code
        if status < 400:
            return response
        problem = self._problem(response)
        message = str(problem.get("detail") or problem.get("title") or status)
        if status == 404:
            raise PlanAPINotFound(message, status, problem)
        if status in (401, 403):
            raise PlanAPIForbidden(message, status, problem)
        raise PlanAPIRejected(message, status, problem)

    @staticmethod
    def _parse(response: httpx.Response, model: type[ModelT] | Any) -> ModelT:
        # Straight from the bytes into the models (pydantic's own JSON parser), through an
        # adapter built once per model: building one costs more than most answers.
        try:
            return cast(ModelT, _adapter(cast(Hashable, model)).validate_json(response.content))
        except ValidationError as exc:
            if any(e["type"] == "json_invalid" for e in exc.errors()):
                raise PlanAPIUnavailable("plan API sent malformed JSON") from exc
            raise PlanAPIUnavailable(f"plan API sent an unexpected shape: {exc}") from exc

    def get(
        self, path: str, model: type[ModelT] | Any, params: dict[str, Any] | None = None
    ) -> ModelT:
        return self._parse(self._check(self._send("GET", path, params=params)), model)

    def post(
        self,
        path: str,
        model: type[ModelT] | Any,
        json: Any = None,
        idempotency_key: str | None = None,
    ) -> ModelT:
        response = self._check(self._send("POST", path, json=json, idempotency_key=idempotency_key))
        return self._parse(response, model)

    def send(self, write: Write, idempotency_key: str) -> dict[str, Any]:
        """Send one write (the outbox does this); the plan API's answer as plain JSON."""
        response = self._check(
            self._send(
                write.method, write.path, json=write.payload, idempotency_key=idempotency_key
            )
        )
        body: dict[str, Any] = self._parse(response, dict[str, Any])
        return body

    def ping(self) -> bool:
        """Ready only if the plan API answers its health check readably, within a second."""
        try:
            response = self.http.get("/healthz", timeout=1.0)
            return response.status_code == 200 and response.json().get("status") == "ok"
        except (httpx.HTTPError, ValueError, AttributeError):
            return False


@functools.cache
def _adapter(model: Any) -> TypeAdapter[Any]:
    return TypeAdapter(model)


class APIModel(BaseModel):
    """Base for typed models over the plan API's JSON: unknown fields are ignored."""

    model_config = {"extra": "ignore", "frozen": True}
