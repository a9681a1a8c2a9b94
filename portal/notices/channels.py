"""The channels, each behind one small interface: `send(outgoing)` delivers or raises.

Settings (environment variables in brackets; see README "Notices"):
- e-mail over SMTP [PORTAL_SMTP_HOST, _PORT, _USER, _PASSWORD, _STARTTLS, PORTAL_MAIL_FROM]
- SMS through an HTTP gateway [PORTAL_SMS_URL, _USER, _PASSWORD, _SENDER]: a JSON POST
  `{to, sender, text, reference}`; `reference` is the notice's id, for the gateway's own
  duplicate check
- Digital Post as MeMo messages [PORTAL_DIGITAL_POST_MODE=spool|sf1601]: `spool` writes
  one MeMo XML file per message into PORTAL_DIGITAL_POST_SPOOL (the demo); `sf1601` POSTs
  it to KOMBIT's Serviceplatform (PORTAL_SF1601_URL, with the client certificate
  PORTAL_SF1601_CERT / _KEY and the municipality's CVR PORTAL_SENDER_CVR).
"""

from __future__ import annotations

import base64
import smtplib
import ssl
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Protocol
from xml.etree import ElementTree as ET

import httpx

from portal.notices.texts import assert_safe

MEMO_NS = "https://DigitalPost.dk/MeMo-1"
GEN_NS = "http://www.fesd.dk/model/generel"


class ChannelError(Exception):
    """Could not deliver now; try again later."""


@dataclass(frozen=True)
class Attachment:
    filename: str
    mimetype: str
    content: bytes


@dataclass(frozen=True)
class Outgoing:
    reference: str  # stable per notice: Message-ID, SMS reference, MeMo UUID
    to: str
    subject: str
    text: str
    html: str
    language: str
    attachments: tuple[Attachment, ...] = field(default=())
    sent_by: str = ""  # the worker (host:pid), for tracing a message back in the logs


class Channel(Protocol):
    name: str

    def send(self, message: Outgoing) -> None: ...


@dataclass
class SmtpChannel:
    host: str
    port: int
    sender: str
    user: str = ""
    password: str = ""
    starttls: bool = False
    timeout: float = 10.0
    name: str = "email"

    def build(self, message: Outgoing) -> EmailMessage:
        assert_safe(message.subject, message.text, message.html)
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = message.to
        mail["Subject"] = message.subject
        domain = self.sender.rpartition("@")[2] or "mit-overblik.local"
        # The same for every attempt at this notice: a receiver can tell a resend.
        mail["Message-ID"] = f"<{message.reference}@{domain}>"
        mail.set_content(message.text)
        mail.add_alternative(message.html, subtype="html")
        mail["Content-Language"] = message.language  # after: set_content drops Content-*
        if message.sent_by:
            mail["X-Notice-Worker"] = message.sent_by
        return mail

    def send(self, message: Outgoing) -> None:
        mail = self.build(message)
        try:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        except (OSError, smtplib.SMTPException) as exc:
            raise ChannelError(f"SMTP: {exc}") from exc
        try:
            if self.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if self.user:
                smtp.login(self.user, self.password)
            smtp.send_message(mail)
        except (OSError, smtplib.SMTPException) as exc:
            smtp.close()
            raise ChannelError(f"SMTP: {exc}") from exc
        # The server has answered 250 to the message: it is delivered. A connection lost
        # while saying goodbye is no reason to send it again (the notice is marked sent).
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()


@dataclass
class SmsGatewayChannel:
    url: str
    sender: str
    user: str = ""
    password: str = ""
    timeout: float = 10.0
    name: str = "sms"

    def send(self, message: Outgoing) -> None:
        assert_safe(message.text)
        auth = (self.user, self.password) if self.user else None
        try:
            response = httpx.post(
                self.url,
                json={
                    "to": message.to,
                    "sender": self.sender,
                    "text": message.text,
                    "reference": message.reference,
                },
                auth=auth,
                timeout=self.timeout,
            )
        except httpx.HTTPError as exc:
            raise ChannelError(f"SMS gateway: {exc}") from exc
        if response.status_code >= 300:
            raise ChannelError(f"SMS gateway answered {response.status_code}")


def memo_message(
    message: Outgoing, *, sender_cvr: str, sender_name: str, now: datetime | None = None
) -> bytes:
    """A MeMo message (Digital Post's message format, version 1.1) for one CPR recipient:
    the notice text as the main document, attachments (the plan as PDF) as additional
    documents."""
    ET.register_namespace("memo", MEMO_NS)
    ET.register_namespace("gen", GEN_NS)

    def el(parent: ET.Element, name: str, text: str | None = None) -> ET.Element:
        node = ET.SubElement(parent, f"{{{MEMO_NS}}}{name}")
        if text is not None:
            node.text = text
        return node

    def file(parent: ET.Element, filename: str, mimetype: str, content: bytes) -> None:
        node = el(parent, "File")
        el(node, "encodingFormat", mimetype)
        el(node, "filename", filename)
        el(node, "language", message.language)
        el(node, "content", base64.b64encode(content).decode("ascii"))

    root = ET.Element(f"{{{MEMO_NS}}}Message", {"memoVersion": "1.1", "memoSchVersion": "1.1.0"})
    header = el(root, "MessageHeader")
    el(header, "messageType", "DIGITALPOST")
    el(header, "messageUUID", str(uuid.uuid5(uuid.NAMESPACE_URL, message.reference)))
    el(header, "label", message.subject)
    el(header, "mandatory", "false")
    el(header, "legalNotification", "false")
    sender = el(header, "Sender")
    el(sender, "senderID", sender_cvr)
    el(sender, "idType", "CVR")
    el(sender, "label", sender_name)
    recipient = el(header, "Recipient")
    el(recipient, "recipientID", message.to.replace("-", ""))
    el(recipient, "idType", "CPR")
    body = el(root, "MessageBody")
    el(body, "createdDateTime", (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"))
    main = el(body, "MainDocument")
    el(main, "mainDocumentID", str(uuid.uuid5(uuid.NAMESPACE_URL, message.reference + "/main")))
    el(main, "label", message.subject)
    file(main, "besked.txt" if message.language == "da" else "message.txt", "text/plain",
         message.text.encode("utf-8"))  # fmt: skip
    for n, attachment in enumerate(message.attachments, start=1):
        extra = el(body, "AdditionalDocument")
        el(extra, "additionalDocumentID", f"{message.reference}-{n}")
        el(extra, "label", attachment.filename)
        file(extra, attachment.filename, attachment.mimetype, attachment.content)
    return bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True))


@dataclass
class DigitalPostChannel:
    mode: str  # spool | sf1601
    sender_cvr: str
    sender_name: str
    spool: Path | None = None
    url: str = ""
    cert: tuple[str, str] | None = None
    timeout: float = 30.0
    name: str = "digital_post"

    def send(self, message: Outgoing) -> None:
        memo = memo_message(message, sender_cvr=self.sender_cvr, sender_name=self.sender_name)
        if self.mode == "spool":
            assert self.spool is not None
            self.spool.mkdir(parents=True, exist_ok=True)
            target = self.spool / f"{message.reference}.xml"
            partial = target.with_suffix(".part")
            partial.write_bytes(memo)
            partial.replace(target)  # a reader never sees half a file; a resend overwrites
            return
        context = ssl.create_default_context()
        if self.cert:
            context.load_cert_chain(*self.cert)
        try:
            with httpx.Client(verify=context, timeout=self.timeout) as client:
                response = client.post(
                    self.url,
                    content=memo,
                    headers={
                        "Content-Type": "application/xml",
                        "X-Transaction-Id": message.reference,
                    },
                )
        except httpx.HTTPError as exc:
            raise ChannelError(f"SF1601: {exc}") from exc
        if response.status_code >= 300:
            raise ChannelError(f"SF1601 answered {response.status_code}")


def from_config(config: dict[str, Any]) -> dict[str, Channel]:
    channels: dict[str, Channel] = {
        "email": SmtpChannel(
            host=config["SMTP_HOST"],
            port=int(config["SMTP_PORT"]),
            sender=config["MAIL_FROM"],
            user=config["SMTP_USER"],
            password=config["SMTP_PASSWORD"],
            starttls=bool(config["SMTP_STARTTLS"]),
        ),
        "sms": SmsGatewayChannel(
            url=config["SMS_URL"],
            sender=config["SMS_SENDER"],
            user=config["SMS_USER"],
            password=config["SMS_PASSWORD"],
        ),
    }
    cert = (config["SF1601_CERT"], config["SF1601_KEY"]) if config["SF1601_CERT"] else None
    channels["digital_post"] = DigitalPostChannel(
        mode=config["DIGITAL_POST_MODE"],
        sender_cvr=config["SENDER_CVR"],
        sender_name=config["AUTHORITY_NAME"],
        spool=Path(config["DIGITAL_POST_SPOOL"]),
        url=config["SF1601_URL"],
        cert=cert,
    )
    return channels
