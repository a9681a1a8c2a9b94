"""The e-mail channel against a real SMTP server (aiosmtpd): what counts as delivered."""

from __future__ import annotations

import re

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from portal.devstack import free_port
from portal.notices.channels import ChannelError, Outgoing, SmtpChannel

MESSAGE = Outgoing(
    reference="notice-7", to="mette@example.dk", subject="Ny besked",
    text="Du har fået en ny besked.", html="<p>Du har fået en ny besked.</p>", language="da",
)  # fmt: skip


class HangsUpOnGoodbye:
    """Accepts every message (250 to DATA), then answers QUIT with an error and hangs up."""

    def __init__(self, accept: bool = True) -> None:
        self.accept = accept
        self.received: list[str] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if not self.accept:
            return "451 4.3.0 try again later"
        self.received.append(str(envelope.rcpt_tos))
        return "250 Message accepted"

    async def handle_QUIT(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        return "421 4.3.2 shutting down"


def _send(handler: HangsUpOnGoodbye) -> None:
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        SmtpChannel(host="127.0.0.1", port=port, sender="noreply@kommune.example", timeout=5).send(
            MESSAGE
        )
    finally:
        controller.stop()


def test_a_message_the_server_accepted_is_delivered_even_if_goodbye_fails() -> None:
    """Accepted means sent: raising here would send the same notice again at the next try."""
    handler = HangsUpOnGoodbye()
    _send(handler)  # no ChannelError
    assert handler.received == ["['mette@example.dk']"]


def test_a_message_the_server_refused_is_not_delivered() -> None:
    handler = HangsUpOnGoodbye(accept=False)
    with pytest.raises(ChannelError, match=re.escape("451, b'4.3.0 try again later'")):
        _send(handler)
    assert handler.received == []
