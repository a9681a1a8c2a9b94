"""Letters and decisions of the demo world, with a small PDF of each.

A real case system sends its own PDFs; the demo makes plain one-page stand-ins here (PDF 1.4,
the standard Helvetica font in WinAnsi encoding, which holds the Danish letters), so that the
plan API has a file to serve without a PDF library in the reference server.
"""

from __future__ import annotations

import hashlib
import textwrap
from datetime import datetime

from planapi.models import Document, Letter


def _escape(line: str) -> bytes:
    raw = line.encode("cp1252", "replace")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def simple_pdf(title: str, paragraphs: list[str]) -> bytes:
    lines: list[tuple[int, str]] = [(16, title), (11, "")]
    for paragraph in paragraphs:
        lines += [(11, part) for part in textwrap.wrap(paragraph, 85)] + [(11, "")]
    stream = b"BT /F1 11 Tf 56 790 Td 15 TL\n"
    for size, line in lines[:48]:
        stream += b"/F1 %d Tf (%s) Tj T*\n" % (size, _escape(line))
    stream += b"ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R /Lang (da-DK) >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Title (%s) /Producer (Mit Overblik demo) >>" % _escape(title),
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return out


def letter_with_pdf(
    letter: Letter, paragraphs: list[str], *, sent_at: datetime
) -> tuple[Letter, Document]:
    content = simple_pdf(letter.title, paragraphs)
    document = Document(
        id=f"d-{letter.id}",
        person_id=letter.person_id,
        kind="letter",
        filename=f"{letter.id}.pdf",
        content_type="application/pdf",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
        uploaded_at=sent_at,
        uploaded_by_id="system",
        uploaded_by_name=letter.sender,
        message_id=None,
        missing_document_id=None,
    )
    letter.document_id = document.id
    return letter, document
