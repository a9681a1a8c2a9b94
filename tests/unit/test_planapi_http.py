"""The portal's HTTP to the plan API over a real socket (portal.clients.base.PlanAPIHTTP):
what arrives, kept-alive connections, and each failure as the clients expect it (a timeout
is a timeout, refused or reset is a transport error, never a wrong answer)."""

from __future__ import annotations

import ipaddress
import itertools
import json
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from flask import Flask

from portal.clients.base import APIModel, PlanAPIClient, PlanAPIHTTP, PlanAPIUnavailable

TOKEN = "t" * 40


CUTS = {
    "cut_body": b'HTTP/1.1 200 OK\r\nContent-Length: 40\r\n\r\n{"ok"',
    "cut_headers": b"HTTP/1.1 200 OK\r\nContent-Len",
}


@dataclass
class Seen:
    requests: list[dict[str, Any]] = field(default_factory=list)
    connections: set[int] = field(default_factory=set)  # a number per accepted connection
    mode: str = "ok"  # ok | slow | close | one of CUTS


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as gunicorn answers
    seen: Seen
    accepted = itertools.count(1)

    def setup(self) -> None:
        # One handler per connection. Numbered, not by id(): a closed connection's object
        # can be freed and its id() given to the next one.
        super().setup()
        self.number = next(self.accepted)

    def log_message(self, *args: Any) -> None:
        pass

    def _answer(self) -> None:
        seen = self.server.seen  # type: ignore[attr-defined]
        seen.connections.add(self.number)
        length = int(self.headers.get("Content-Length") or 0)
        seen.requests.append(
            {
                "method": self.command,
                "target": self.path,
                "headers": dict(self.headers.items()),
                "body": self.rfile.read(length) if length else b"",
            }
        )
        if seen.mode == "slow":
            time.sleep(2.0)
        if seen.mode in CUTS:  # part of an answer, then the line drops
            self.wfile.write(CUTS[seen.mode])
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
            return
        body = json.dumps({"ok": True}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("ETag", 'W/"1-abc"')
        self.send_header("Content-Length", str(len(body)))
        if seen.mode == "close":
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_DELETE = _answer


@contextmanager
def serving(tls: ssl.SSLContext | None = None) -> Iterator[tuple[str, Seen]]:
    """A plan API stand-in on a free loopback port (over TLS with `tls`): its URL and what
    it saw."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    httpd.seen = Seen()  # type: ignore[attr-defined]
    if tls is not None:
        httpd.socket = tls.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    scheme = "https" if tls is not None else "http"
    try:
        yield f"{scheme}://127.0.0.1:{httpd.server_address[1]}", httpd.seen  # type: ignore[attr-defined]
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def server() -> Iterator[tuple[str, Seen]]:
    with serving() as served:
        yield served


def test_a_read_arrives_with_its_path_query_and_headers_and_its_answer_comes_back(
    server: tuple[str, Seen],
) -> None:
    url, seen = server
    http = PlanAPIHTTP(url + "/hoi/", timeout=2.0, token=TOKEN)
    response = http.request(
        "GET",
        "/v1/persons/p-mette/overview",
        params={"include": "goal,contacts", "limit": 5, "after": None, "all": True},
        headers={"X-Actor-Id": "p-mette", "If-None-Match": 'W/"1-abc"'},
    )
    assert response.status_code == 200 and response.json() == {"ok": True}
    assert response.headers["etag"] == 'W/"1-abc"'  # any case, as httpx answers
    [sent] = seen.requests
    assert sent["method"] == "GET"
    assert sent["target"] == (
        "/hoi/v1/persons/p-mette/overview?include=goal%2Ccontacts&limit=5&after=&all=true"
    )
    headers = sent["headers"]
    assert headers["Authorization"] == f"Bearer {TOKEN}"
    assert headers["Accept"] == "application/json"
    assert headers["X-Actor-Id"] == "p-mette" and headers["If-None-Match"] == 'W/"1-abc"'
    assert sent["body"] == b""


def test_a_write_sends_its_json_as_httpx_did(server: tuple[str, Seen]) -> None:
    url, seen = server
    http = PlanAPIHTTP(url, timeout=2.0, token=TOKEN)
    payload = {"note": "Ærø – 12 mdr.", "n": 1}
    assert http.request("POST", "/v1/x", json=payload).status_code == 200
    [sent] = seen.requests
    assert sent["body"] == json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    assert sent["headers"]["Content-Type"] == "application/json"
    assert sent["headers"]["Content-Length"] == str(len(sent["body"]))


def test_one_connection_is_kept_for_the_next_request_and_a_closed_one_replaced(
    server: tuple[str, Seen],
) -> None:
    url, seen = server
    http = PlanAPIHTTP(url, timeout=2.0, token=TOKEN)
    for _ in range(3):
        assert http.request("GET", "/v1/a").status_code == 200
    assert len(seen.connections) == 1, "kept alive"
    seen.mode = "close"  # the server ends the connection after this answer
    assert http.request("GET", "/v1/a").status_code == 200
    seen.mode = "ok"
    assert http.request("GET", "/v1/a").status_code == 200, "a new connection, no error"
    assert len(seen.connections) == 2


def test_refused_is_a_transport_error_and_not_a_timeout() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    http = PlanAPIHTTP(f"http://127.0.0.1:{port}", timeout=2.0, token=TOKEN)
    with pytest.raises(httpx.ConnectError) as refused:
        http.request("GET", "/v1/a")
    assert not isinstance(refused.value, httpx.TimeoutException)


def test_a_slow_answer_is_a_timeout_after_the_time_given(server: tuple[str, Seen]) -> None:
    url, seen = server
    seen.mode = "slow"
    http = PlanAPIHTTP(url, timeout=0.15, token=TOKEN)
    started = time.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        http.request("GET", "/v1/a")
    assert time.monotonic() - started < 0.75, "within the time given, not the answer's 2 s"


def test_an_answer_cut_off_is_a_transport_error(server: tuple[str, Seen]) -> None:
    url, seen = server
    seen.mode = "cut_body"
    http = PlanAPIHTTP(url, timeout=2.0, token=TOKEN)
    with pytest.raises(httpx.TransportError) as cut:
        http.request("GET", "/v1/a")
    assert not isinstance(cut.value, httpx.TimeoutException)


def test_headers_cut_off_never_reach_a_page_as_an_answer(
    app: Flask, server: tuple[str, Seen]
) -> None:
    """urllib3 only warns about broken headers and hands back what it read (no body): the
    client must still say the plan API failed, here because the answer is not JSON."""
    url, seen = server
    seen.mode = "cut_headers"

    class Thing(APIModel):
        ok: bool

    with app.test_request_context():
        client = PlanAPIClient(http=PlanAPIHTTP(url, timeout=2.0, token=TOKEN))
        with pytest.raises(PlanAPIUnavailable, match="malformed JSON"):
            client.get("/v1/a", Thing)


def test_with_a_transport_the_same_request_goes_to_it(server: tuple[str, Seen]) -> None:
    """The tests' fake plan API and an in-process plan API get exactly what the network
    would: same target, headers and body."""
    url, seen = server
    got: list[httpx.Request] = []

    def fake(request: httpx.Request) -> httpx.Response:
        got.append(request)
        return httpx.Response(201, json={"id": "x"})

    through = PlanAPIHTTP(
        url + "/hoi", timeout=2.0, token=TOKEN, transport=httpx.MockTransport(fake)
    )
    direct = PlanAPIHTTP(url + "/hoi", timeout=2.0, token=TOKEN)
    for http in (through, direct):
        http.request(
            "POST", "/v1/x", params={"a": "b c"}, json={"k": "v"}, headers={"X-Basis": "self"}
        )
    [request], [sent] = got, seen.requests
    assert request.url.raw_path.decode() == sent["target"] == "/hoi/v1/x?a=b+c"
    assert request.content == sent["body"]
    for name in ("Authorization", "Accept", "User-Agent", "X-Basis", "Content-Type"):
        assert request.headers[name] == sent["headers"][name], name


def _self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 that no trust store knows, and its key."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "planapi.test")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


def test_over_tls_a_certificate_nobody_vouches_for_is_refused(tmp_path: Path) -> None:
    """A plan API at https:// is reached only if its certificate checks out against the
    machine's trust store: one that does not is a transport error, and nothing is sent."""
    cert_file, key_file = _self_signed(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    with serving(tls=context) as (url, seen):
        with pytest.raises(httpx.TransportError, match="CERTIFICATE_VERIFY_FAILED"):
            PlanAPIHTTP(url, timeout=2.0, token=TOKEN).request("GET", "/v1/a")
        assert seen.requests == []
