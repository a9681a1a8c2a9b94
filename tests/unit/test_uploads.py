"""Direct tests of portal/uploads.py: what a file's content is, its cleaned name, the checks
and their refusals in words, clamd's INSTREAM against a real stand-in on a socket, and the
request that keeps uploads in memory. No pages, no plan API."""

from __future__ import annotations

import base64
import hashlib
import io
import logging
import socket
import struct
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import puremagic
import pytest
from flask import Flask, request
from flask_babel import Babel
from PIL import Image
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from portal import uploads
from portal.uploads import CHUNK, CheckedFile, UploadRefused, UploadRequest

MiB = 1024 * 1024
LIMIT = 2 * MiB


def _image(kind: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (2, 2), (200, 30, 30)).save(out, kind)
    return out.getvalue()


PNG = _image("PNG")
JPEG = _image("JPEG")
PDF = (
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
    b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"
)
# The start of an ISO media file: the brand says what it is ("heic"/"heix" in iPhone photos).
HEIF_BRAND = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64
HEIC_BRAND = b"\x00\x00\x00\x18ftypheix\x00\x00\x00\x00mif1heix" + b"\x00" * 64
GIF = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"


@pytest.fixture
def app() -> Iterator[Flask]:
    app = Flask(__name__)
    app.config.update(
        PORTAL_UPLOAD_MAX_BYTES=LIMIT,
        PORTAL_CLAMD_ADDRESS="",
        PORTAL_CLAMD_TIMEOUT=2.0,
        PORTAL_UPLOAD_REQUEST_MAX_BYTES=4 * MiB,
        MAX_CONTENT_LENGTH=1000,
    )
    Babel(app, default_locale="en")
    # A request context, so that the lazy messages can be put into words.
    with app.test_request_context():
        yield app


def refused(file: FileStorage | None) -> tuple[str, str]:
    with pytest.raises(UploadRefused) as caught:
        uploads.check(file)
    return caught.value.reason, str(caught.value.message)


def upload(content: bytes, filename: str | None = "brev.pdf") -> FileStorage:
    return FileStorage(io.BytesIO(content), filename=filename)


# sniff ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (PDF, "application/pdf"),
        (JPEG, "image/jpeg"),
        (PNG, "image/png"),
        (HEIC_BRAND, "image/heic"),
        (HEIF_BRAND, "image/heic"),
    ],
)
def test_the_content_says_what_a_file_is(content: bytes, expected: str) -> None:
    assert uploads.sniff(content) == expected


@pytest.mark.parametrize("content", [b"", b"Hej med dig\n", GIF, b"MZ\x90\x00" + b"\x00" * 60])
def test_other_content_is_not_accepted(content: bytes) -> None:
    assert uploads.sniff(content) is None


def test_only_the_first_8192_bytes_are_looked_at(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[bytes] = []
    real = puremagic.magic_string

    def spy(content: bytes) -> Any:
        seen.append(content)
        return real(content)

    monkeypatch.setattr(puremagic, "magic_string", spy)
    content = PDF + b"x" * 20000
    assert uploads.sniff(content) == "application/pdf"
    assert seen == [content[:8192]]


def candidate(mime_type: str, confidence: float) -> Any:
    return puremagic.main.PureMagicWithConfidence(b"", 0, ".x", mime_type, "x", confidence)


@pytest.mark.parametrize(
    ("candidates", "expected"),
    [
        # Only what puremagic is surest of counts, in its order.
        ([candidate("image/gif", 0.8), candidate("image/png", 0.4)], None),
        ([candidate("image/png", 0.4), candidate("image/gif", 0.8)], None),
        ([candidate("image/gif", 0.8), candidate("image/png", 0.8)], "image/png"),
        ([candidate("image/png", 0.8), candidate("image/jpeg", 0.8)], "image/png"),
        ([candidate("image/heif", 0.6)], "image/heic"),
        ([], None),
    ],
)
def test_the_surest_accepted_guess_wins(
    monkeypatch: pytest.MonkeyPatch, candidates: list[Any], expected: str | None
) -> None:
    monkeypatch.setattr(puremagic, "magic_string", lambda content: candidates)
    assert uploads.sniff(b"anything") == expected


# _clean_name ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("brev.pdf", "brev.pdf"),
        ("/home/mette/Dokumenter/brev.pdf", "brev.pdf"),
        ("C:\\Users\\Mette\\Billeder\\IMG_0001.HEIC", "IMG_0001.HEIC"),
        ("mappe\\under/brev.pdf", "brev.pdf"),
        ("a/b/c", "c"),
        ("  brev\x00 fra\x1b kommunen.pdf\t ", "brev fra kommunen.pdf"),
        ("\u200bbrev\n.pdf", "brev.pdf"),
        ("x" * 150, "x" * 150),
        ("y" * 151, "y" * 150),
        ("  " + "z" * 150 + "  ", "z" * 150),
    ],
)
def test_a_name_is_cut_to_its_last_part_and_cleaned(name: str, expected: str) -> None:
    assert uploads._clean_name(name, "application/pdf") == expected


@pytest.mark.parametrize("name", [None, "", "   ", "mappe/", "C:\\mappe\\", "\x00\x01"])
def test_no_name_left_gives_a_plain_one(name: str | None) -> None:
    assert uploads._clean_name(name, "application/pdf") == "dokument.pdf"
    assert uploads._clean_name(name, "image/png") == "billede"
    assert uploads._clean_name(name, "image/heic") == "billede"


# check ------------------------------------------------------------------------------------


@pytest.mark.usefixtures("app")
def test_no_file_is_missing() -> None:
    missing = ("missing", "Choose a file to send")
    assert refused(None) == missing
    assert refused(upload(PDF, filename=None)) == missing
    assert refused(upload(PDF, filename="")) == missing


@pytest.mark.usefixtures("app")
def test_an_empty_file_is_refused() -> None:
    assert refused(upload(b"")) == ("empty", "The file is empty. Choose another file")


@pytest.mark.usefixtures("app")
def test_a_file_of_exactly_the_limit_is_accepted() -> None:
    content = PDF + b"0" * (LIMIT - len(PDF))
    checked = uploads.check(upload(content))
    assert len(checked.content) == LIMIT and checked.content == content


@pytest.mark.usefixtures("app")
def test_a_file_over_the_limit_is_refused_in_megabytes_and_read_no_further() -> None:
    stream = io.BytesIO(PDF + b"0" * (LIMIT + 5000))
    assert refused(FileStorage(stream, filename="stor.pdf")) == (
        "too_large",
        "The file is too large. It can be at most 2 MB",
    )
    # At most one byte more than the limit is read into memory.
    assert stream.tell() == LIMIT + 1
    assert refused(upload(PDF + b"0" * (LIMIT + 1 - len(PDF))))[0] == "too_large"


def test_the_limit_in_the_message_is_whole_megabytes(app: Flask) -> None:
    app.config["PORTAL_UPLOAD_MAX_BYTES"] = 3 * MiB - 1
    assert refused(upload(PDF + b"0" * 3 * MiB)) == (
        "too_large",
        "The file is too large. It can be at most 2 MB",
    )


@pytest.mark.usefixtures("app")
@pytest.mark.parametrize("content", [b"Hej med dig\n", GIF])
def test_a_file_of_another_type_is_refused(content: bytes) -> None:
    assert refused(upload(content, "brev.pdf")) == (
        "type",
        "The file must be a PDF or a photo (JPEG, PNG or HEIC)",
    )


@pytest.mark.usefixtures("app")
def test_a_checked_file_carries_its_type_by_content_cleaned_name_and_checksum() -> None:
    checked = uploads.check(upload(PNG, "C:\\Billeder\\foto.pdf "))
    assert checked == CheckedFile(
        filename="foto.pdf",
        content_type="image/png",
        content=PNG,
        sha256=hashlib.sha256(PNG).hexdigest(),
    )
    assert checked.as_json() == {
        "filename": "foto.pdf",
        "content_type": "image/png",
        "content_base64": base64.b64encode(PNG).decode("ascii"),
        "sha256": hashlib.sha256(PNG).hexdigest(),
    }
    assert uploads.check(upload(PDF, "\x00")).filename == "dokument.pdf"


def test_a_checked_file_as_json_is_exact() -> None:
    checked = CheckedFile("a.pdf", "application/pdf", b"%PDF\xff\x00", "abc")
    assert checked.as_json() == {
        "filename": "a.pdf",
        "content_type": "application/pdf",
        "content_base64": "JVBERv8A",
        "sha256": "abc",
    }


def test_a_refusal_carries_its_reason() -> None:
    refusal = UploadRefused("empty", "words")
    assert (refusal.reason, refusal.message, refusal.args, str(refusal)) == (
        "empty",
        "words",
        ("empty",),
        "empty",
    )


# clamd ------------------------------------------------------------------------------------


def _exact(conn: socket.socket, size: int) -> bytes:
    out = b""
    while len(out) < size:
        part = conn.recv(size - len(out))
        if not part:
            raise ConnectionError("the client stopped mid-stream")
        out += part
    return out


class Clamd:
    """A stand-in clamd for one connection: reads INSTREAM's framing, records it, answers.

    `answer` is sent in the pieces given (None: the connection is closed without a word,
    [] : no answer is sent at all, the connection stays open until the client gives up).
    """

    def __init__(self, answer: list[bytes] | None, unix_path: Path | None = None) -> None:
        self.answer = answer
        if unix_path is None:
            self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self.sock.bind(("127.0.0.1", 0))
            self.port: int = self.sock.getsockname()[1]
            self.address = f"127.0.0.1:{self.port}"
        else:
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.bind(str(unix_path))
            self.address = str(unix_path)
        self.sock.listen()
        self.sock.settimeout(5)
        self.connections = 0
        self.command = b""
        self.chunks: list[int] = []
        self.data = b""
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self) -> None:
        try:
            conn, _ = self.sock.accept()
        except OSError:
            return
        self.connections += 1
        with conn:
            conn.settimeout(5)
            try:
                self.command = _exact(conn, 10)
                while True:
                    (size,) = struct.unpack("!L", _exact(conn, 4))
                    if size == 0:
                        break
                    self.chunks.append(size)
                    self.data += _exact(conn, size)
                if self.answer is None:
                    return
                for piece in self.answer:
                    conn.sendall(piece)
                    time.sleep(0.01)
                # Open until the client closes: an answer is known by its NUL, not by EOF.
                while conn.recv(4096):
                    pass
            except OSError:
                return

    def close(self) -> None:
        self.sock.close()
        self.thread.join(5)


@pytest.fixture
def clamd_factory() -> Iterator[Any]:
    started: list[Clamd] = []

    def start(answer: list[bytes] | None, unix_path: Path | None = None) -> Clamd:
        clamd = Clamd(answer, unix_path)
        started.append(clamd)
        return clamd

    yield start
    for clamd in started:
        clamd.close()


OK = [b"stream: OK\0"]
FOUND = [b"stream: Eicar-Signature FOUND\0"]


def test_instream_sends_the_content_in_length_prefixed_chunks(clamd_factory: Any) -> None:
    clamd = clamd_factory(OK)
    content = bytes(range(256)) * 300  # 76,800 bytes: one whole chunk and a part
    assert uploads.clamd_instream(clamd.address, content, timeout=2) == "stream: OK"
    clamd.thread.join(2)
    assert clamd.command == b"zINSTREAM\0"
    assert clamd.chunks == [CHUNK, len(content) - CHUNK] == [65536, 11264]
    assert clamd.data == content


def test_instream_sends_small_content_in_one_chunk(clamd_factory: Any) -> None:
    clamd = clamd_factory(FOUND)
    answer = uploads.clamd_instream(clamd.address, b"abc", timeout=2)
    assert answer == "stream: Eicar-Signature FOUND"
    clamd.thread.join(2)
    assert (clamd.command, clamd.chunks, clamd.data) == (b"zINSTREAM\0", [3], b"abc")


def test_instream_speaks_over_a_unix_socket(clamd_factory: Any, tmp_path: Path) -> None:
    clamd = clamd_factory(OK, unix_path=tmp_path / "clamd.sock")
    assert uploads.clamd_instream(clamd.address, PDF, timeout=2) == "stream: OK"
    clamd.thread.join(2)
    assert (clamd.command, clamd.data) == (b"zINSTREAM\0", PDF)


def test_an_address_of_only_a_port_is_this_machine(clamd_factory: Any) -> None:
    clamd = clamd_factory(OK)
    assert uploads.clamd_instream(f":{clamd.port}", b"abc", timeout=2) == "stream: OK"


def test_the_answer_is_read_to_its_nul_over_several_pieces(clamd_factory: Any) -> None:
    long_name = b"stream: " + b"A" * 5000 + b" FOUND"
    clamd = clamd_factory([b"  " + long_name[:10], long_name[10:] + b" \n\0"])
    answer = uploads.clamd_instream(clamd.address, b"abc", timeout=2)
    assert answer == long_name.decode()


def test_an_answer_that_is_not_utf8_is_still_read(clamd_factory: Any) -> None:
    clamd = clamd_factory([b"stream: \xff OK\0\0"])
    assert uploads.clamd_instream(clamd.address, b"abc", timeout=2) == "stream: \ufffd OK"


def test_the_answer_is_given_as_clamd_wrote_it_without_its_nul(clamd_factory: Any) -> None:
    clamd = clamd_factory([b"stream: XOX\0"])
    assert uploads.clamd_instream(clamd.address, b"abc", timeout=2) == "stream: XOX"


def test_no_answer_is_an_error(clamd_factory: Any) -> None:
    clamd = clamd_factory(None)
    with pytest.raises(OSError, match=r"^clamd closed the connection without an answer$"):
        uploads.clamd_instream(clamd.address, b"abc", timeout=2)
    clamd = clamd_factory([b"\0"])
    with pytest.raises(OSError, match=r"^clamd closed the connection without an answer$"):
        uploads.clamd_instream(clamd.address, b"abc", timeout=2)


class RecordingSocket:
    """A socket that records how it is set up and is refused at once."""

    made: list[RecordingSocket] = []

    def __init__(self, family: int, kind: int) -> None:
        self.family, self.kind = family, kind
        self.timeout: float | None = None
        self.target: Any = None
        RecordingSocket.made.append(self)

    def __enter__(self) -> RecordingSocket:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def settimeout(self, timeout: float | None) -> None:
        self.timeout = timeout

    def connect(self, target: Any) -> None:
        self.target = target
        raise ConnectionRefusedError(111, "Connection refused")


@pytest.fixture
def recording(monkeypatch: pytest.MonkeyPatch) -> list[RecordingSocket]:
    RecordingSocket.made = []
    fake = SimpleNamespace(
        socket=RecordingSocket,
        AF_UNIX=socket.AF_UNIX,
        AF_INET=socket.AF_INET,
        SOCK_STREAM=socket.SOCK_STREAM,
    )
    monkeypatch.setattr(uploads, "socket", fake)
    return RecordingSocket.made


@pytest.mark.parametrize(
    ("address", "family", "target"),
    [
        ("clamd.internal:3310", socket.AF_INET, ("clamd.internal", 3310)),
        (":3310", socket.AF_INET, ("127.0.0.1", 3310)),
        # The port is what follows the last colon.
        ("a:b:3310", socket.AF_INET, ("a:b", 3310)),
        ("/run/clamav/clamd.ctl", socket.AF_UNIX, "/run/clamav/clamd.ctl"),
    ],
)
def test_the_address_names_the_socket(
    recording: list[RecordingSocket], address: str, family: int, target: Any
) -> None:
    with pytest.raises(ConnectionRefusedError):
        uploads.clamd_instream(address, b"abc")
    [made] = recording
    assert (made.family, made.kind, made.target, made.timeout) == (
        family,
        socket.SOCK_STREAM,
        target,
        10.0,
    )


def test_scan_passes_the_configured_timeout(
    app: Flask, recording: list[RecordingSocket], caplog: pytest.LogCaptureFixture
) -> None:
    app.config.update(PORTAL_CLAMD_ADDRESS="clamd.internal:3310", PORTAL_CLAMD_TIMEOUT=3.5)
    with pytest.raises(UploadRefused):
        uploads.scan(b"abc")
    [made] = recording
    assert (made.target, made.timeout) == (("clamd.internal", 3310), 3.5)


def test_no_scanner_configured_means_no_connection(
    app: Flask, recording: list[RecordingSocket]
) -> None:
    uploads.scan(PDF)
    app.config.pop("PORTAL_CLAMD_ADDRESS")
    uploads.scan(PDF)
    assert uploads.check(upload(PDF)).content == PDF
    assert recording == []


def test_a_clean_file_passes_the_scanner(app: Flask, clamd_factory: Any) -> None:
    clamd = clamd_factory(OK)
    app.config["PORTAL_CLAMD_ADDRESS"] = clamd.address
    checked = uploads.check(upload(PDF))
    clamd.thread.join(2)
    assert checked.content == clamd.data == PDF


def test_a_virus_is_refused_and_logged(
    app: Flask, clamd_factory: Any, caplog: pytest.LogCaptureFixture
) -> None:
    clamd = clamd_factory(FOUND)
    app.config["PORTAL_CLAMD_ADDRESS"] = clamd.address
    with caplog.at_level(logging.WARNING):
        assert refused(upload(PDF)) == ("virus", "The file contains a virus and was not sent")
    clamd.thread.join(2)
    assert clamd.data == PDF
    assert [(r.levelno, r.getMessage()) for r in caplog.records] == [
        (logging.WARNING, "upload refused by the virus scanner: stream: Eicar-Signature FOUND")
    ]


def test_a_long_verdict_is_logged_cut(
    app: Flask, clamd_factory: Any, caplog: pytest.LogCaptureFixture
) -> None:
    verdict = "stream: " + "B" * 300 + " FOUND"
    clamd = clamd_factory([verdict.encode() + b"\0"])
    app.config["PORTAL_CLAMD_ADDRESS"] = clamd.address
    with caplog.at_level(logging.WARNING), pytest.raises(UploadRefused):
        uploads.scan(b"abc")
    [record] = caplog.records
    assert record.getMessage() == "upload refused by the virus scanner: " + verdict[:200]


def test_a_scanner_that_cannot_be_reached_refuses_the_file(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    # Bound but not listening: a connection is refused at once.
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    app.config["PORTAL_CLAMD_ADDRESS"] = f"127.0.0.1:{closed.getsockname()[1]}"
    with caplog.at_level(logging.WARNING):
        assert refused(upload(PDF)) == (
            "scan_failed",
            "We could not check the file for viruses. Try again later",
        )
    closed.close()
    [record] = caplog.records
    assert record.levelno == logging.ERROR
    assert record.getMessage() == "virus scanner unavailable: [Errno 111] Connection refused"


def test_a_scanner_that_hangs_up_refuses_the_file(
    app: Flask, clamd_factory: Any, caplog: pytest.LogCaptureFixture
) -> None:
    clamd = clamd_factory(None)
    app.config["PORTAL_CLAMD_ADDRESS"] = clamd.address
    with caplog.at_level(logging.WARNING):
        assert refused(upload(PDF))[0] == "scan_failed"
    assert [r.getMessage() for r in caplog.records] == [
        "virus scanner unavailable: clamd closed the connection without an answer"
    ]


def test_a_scanner_that_does_not_answer_is_given_up_on_after_the_timeout(
    app: Flask, clamd_factory: Any, caplog: pytest.LogCaptureFixture
) -> None:
    clamd = clamd_factory([])
    app.config.update(PORTAL_CLAMD_ADDRESS=clamd.address, PORTAL_CLAMD_TIMEOUT=0.2)
    began = time.monotonic()
    with caplog.at_level(logging.WARNING):
        assert refused(upload(PDF))[0] == "scan_failed"
    assert time.monotonic() - began < 2
    assert [r.getMessage() for r in caplog.records] == ["virus scanner unavailable: timed out"]


# UploadRequest ----------------------------------------------------------------------------


@pytest.fixture
def web() -> Flask:
    app = Flask(__name__)
    app.request_class = UploadRequest
    app.config.update(MAX_CONTENT_LENGTH=1000, PORTAL_UPLOAD_REQUEST_MAX_BYTES=2 * MiB)

    @app.post("/send")
    @uploads.accepts_files
    def send() -> dict[str, Any]:
        file = request.files["file"]
        return {"max": request.max_content_length, "stream": type(file.stream).__name__}

    @app.post("/plain")
    def plain() -> dict[str, Any]:
        return {"max": request.max_content_length, "form": len(request.form)}

    return app


def test_accepts_files_marks_the_view() -> None:
    def view() -> None:
        pass

    assert uploads.accepts_files(view) is view
    assert getattr(view, "_accepts_files", None) is True


def test_a_view_that_takes_files_may_get_larger_requests(web: Flask) -> None:
    # Above werkzeug's 500 KB, where its default would spool the file to a temporary file.
    content = PDF + b"0" * 600_000
    file = FileStorage(io.BytesIO(content), "a.pdf", content_type="application/pdf")
    boundary, body = encode_multipart({"file": file})
    multipart = f"multipart/form-data; boundary={boundary}"
    response = web.test_client().post("/send", data=body, content_type=multipart)
    assert response.json == {"max": 2 * MiB, "stream": "BytesIO"}
    with web.test_request_context("/send", method="POST"):
        assert request.max_content_length == 2 * MiB


def test_other_views_keep_the_app_limit(web: Flask) -> None:
    client = web.test_client()
    assert client.post("/plain", data={"a": "b"}).json == {"max": 1000, "form": 1}
    assert client.post("/plain", data={"a": "b" * 2000}).status_code == 413
    big = b"0" * (2 * MiB + 1)
    multipart = "multipart/form-data; boundary=x"
    assert client.post("/send", data=big, content_type=multipart).status_code == 413
    with web.test_request_context("/nowhere", method="POST"):
        assert request.url_rule is None
        assert request.max_content_length == 1000


def test_the_limit_can_be_set_per_request(web: Flask) -> None:
    with web.test_request_context("/plain", method="POST"):
        request.max_content_length = 7
        assert request.max_content_length == 7


def test_the_file_stream_is_in_memory(web: Flask) -> None:
    with web.test_request_context("/send", method="POST"):
        stream = request._get_file_stream(10 * MiB, "application/pdf", "a.pdf", 10 * MiB)
        assert type(stream) is io.BytesIO
