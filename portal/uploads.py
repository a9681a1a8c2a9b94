"""Files a citizen sends: checked here, stored only by the plan API.

A file is read into memory (never written to the portal's disk), refused when it is empty,
over `PORTAL_UPLOAD_MAX_BYTES`, not a PDF/JPEG/PNG/HEIC *by its content* (puremagic; the
name is not trusted), or when the virus scanner finds something. The scanner is clamd,
when `PORTAL_CLAMD_ADDRESS` names it ("host:port" or a Unix socket path); it is spoken to
with clamd's INSTREAM command. Then the plan API stores it with its SHA-256 checksum.

Because files must not sit on the portal's disk, an upload while the plan API is down is
refused honestly ("try again later"), not queued in the outbox like other writes.
"""

from __future__ import annotations

import base64
import hashlib
import io
import socket
import struct
from dataclasses import dataclass
from typing import IO, Any

import puremagic
from flask import Request, current_app
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import FileStorage

# Content types by what the content is; HEIC is what iPhones take photos in.
ACCEPTED = {
    "application/pdf": "application/pdf",
    "image/jpeg": "image/jpeg",
    "image/png": "image/png",
    "image/heic": "image/heic",
    "image/heif": "image/heic",
}
# What the file picker offers: the camera on a phone, PDFs from the files.
ACCEPT_ATTRIBUTE = "image/*,application/pdf"
CHUNK = 64 * 1024


class UploadRefused(Exception):
    """A file that is not accepted, with the reason for the form (translated)."""

    def __init__(self, reason: str, message: Any) -> None:
        super().__init__(reason)
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class CheckedFile:
    filename: str
    content_type: str
    content: bytes
    sha256: str

    def as_json(self) -> dict[str, str]:
        """The body the plan API takes (base64 in JSON)."""
        return {
            "filename": self.filename,
            "content_type": self.content_type,
            "content_base64": base64.b64encode(self.content).decode("ascii"),  # equivalent: ASCII
            "sha256": self.sha256,
        }


def sniff(content: bytes) -> str | None:
    """The accepted content type this content is, or None."""
    try:
        candidates = puremagic.magic_string(content[:8192])
    except (puremagic.PureError, ValueError):
        return None
    if not candidates:
        return None
    best = max(c.confidence for c in candidates)
    for candidate in candidates:
        if candidate.confidence == best and candidate.mime_type in ACCEPTED:
            return ACCEPTED[candidate.mime_type]
    return None


def _clean_name(name: str | None, content_type: str) -> str:
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]  # equivalent: any maxsplit, same end
    base = "".join(ch for ch in base if ch.isprintable()).strip()[:150]
    return base or {"application/pdf": "dokument.pdf"}.get(content_type, "billede")


def check(file: FileStorage | None) -> CheckedFile:
    """Read and check one uploaded file; raises UploadRefused with the reason."""
    limit = int(current_app.config["PORTAL_UPLOAD_MAX_BYTES"])
    if file is None or not file.filename:
        raise UploadRefused("missing", _l("Choose a file to send"))
    content = file.stream.read(limit + 1)
    if not content:
        raise UploadRefused("empty", _l("The file is empty. Choose another file"))
    if len(content) > limit:
        raise UploadRefused(
            "too_large",
            _l(
                "The file is too large. It can be at most %(mb)d MB",
                mb=limit // (1024 * 1024),  # equivalent: / (%d truncates too, for any limit >= 0)
            ),
        )
    content_type = sniff(content)
    if content_type is None:
        raise UploadRefused("type", _l("The file must be a PDF or a photo (JPEG, PNG or HEIC)"))
    scan(content)
    return CheckedFile(
        filename=_clean_name(file.filename, content_type),
        content_type=content_type,
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
    )


def scan(content: bytes) -> None:
    """Ask clamd about the content, when a scanner is configured."""
    address = current_app.config.get("PORTAL_CLAMD_ADDRESS") or ""
    if not address:
        return
    try:
        verdict = clamd_instream(
            address, content, timeout=current_app.config["PORTAL_CLAMD_TIMEOUT"]
        )
    except OSError as exc:
        current_app.logger.error("virus scanner unavailable: %s", exc)
        raise UploadRefused(
            "scan_failed", _l("We could not check the file for viruses. Try again later")
        ) from exc
    if not verdict.endswith("OK"):
        current_app.logger.warning("upload refused by the virus scanner: %s", verdict[:200])
        raise UploadRefused("virus", _l("The file contains a virus and was not sent"))


def clamd_instream(address: str, content: bytes, *, timeout: float = 10.0) -> str:
    """clamd's INSTREAM: chunks with a 4-byte big-endian length, then a zero length.

    Returns clamd's answer, e.g. "stream: OK" or "stream: Eicar-Signature FOUND".
    """
    if address.startswith("/"):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        target: Any = address
    else:
        host, _, port = address.rpartition(":")
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        target = (host or "127.0.0.1", int(port))
    with sock:
        sock.settimeout(timeout)
        sock.connect(target)
        sock.sendall(b"zINSTREAM\0")
        for start in range(0, len(content), CHUNK):
            chunk = content[start : start + CHUNK]
            sock.sendall(struct.pack("!L", len(chunk)) + chunk)  # equivalent: !l, len < 2**31
        sock.sendall(struct.pack("!L", 0))  # equivalent: !l packs 0 to the same 4 bytes
        answer = b""
        while not answer.endswith(b"\0"):
            part = sock.recv(4096)  # equivalent: 4097, only a buffer size (read up to the NUL)
            if not part:
                break
            answer += part
    text = answer.rstrip(b"\0").decode("utf-8", "replace").strip()  # equivalent: "UTF-8"
    if not text:
        raise OSError("clamd closed the connection without an answer")
    return text


def accepts_files(view: Any) -> Any:
    """Mark a view whose form carries a file: its requests may be larger (see UploadRequest)."""
    view._accepts_files = True
    return view


class UploadRequest(Request):
    """Requests to views that take files may be up to PORTAL_UPLOAD_REQUEST_MAX_BYTES.

    That is well above the file limit, so that a file that is too large still reaches the
    view and is refused on the form, in words; a body above it gets the 413 page.
    """

    @property
    def max_content_length(self) -> int | None:
        rule = self.url_rule
        if rule is not None and current_app:
            view = current_app.view_functions.get(rule.endpoint)
            if getattr(view, "_accepts_files", False):
                return int(current_app.config["PORTAL_UPLOAD_REQUEST_MAX_BYTES"])
        return super().max_content_length

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value

    def _get_file_stream(
        self,
        total_content_length: int | None,
        content_type: str | None,
        filename: str | None = None,
        content_length: int | None = None,
    ) -> IO[bytes]:
        """In memory, never a temporary file: uploads must not touch the portal's disk."""
        return io.BytesIO()
