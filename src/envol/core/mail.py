"""Plain-text e-mail that people can read and whose links survive copying.

Python's e-mail library encodes a UTF-8 body as quoted-printable (or base64) as soon as one line is
longer than 78 characters, and a confirmation link always is: quoted-printable cuts it with `=` at
the end of each piece, so a link copied from a console or from a mail client that shows the raw
text is truncated and looks expired. Envol's bodies are sent as 8-bit UTF-8 instead (RFC 6152,
which every SMTP server of the last twenty years announces): each line stays whole, up to SMTP's
998-octet limit, which `send` checks.
"""

from __future__ import annotations

import email.message
import email.policy
from email.message import Message
from email.policy import Policy

from django.conf import settings
from django.core.mail import EmailMessage

from envol.core import requestslots

SMTP_LINE_LIMIT = 998  # octets per line, CRLF excluded (RFC 5322 section 2.1.1)


class EightBitMessage(EmailMessage):
    """A text/plain message whose body is 8-bit UTF-8, never quoted-printable or base64."""

    def message(self, *, policy: Policy[Message[str, str]] | None = None) -> email.message.EmailMessage:
        msg = super().message(policy=policy or email.policy.default)
        if not self.attachments and isinstance(msg, email.message.EmailMessage):
            # set_content replaces the body and its Content-Transfer-Encoding, headers stay.
            msg.set_content(self.body, subtype="plain", charset="utf-8", cte="8bit")
        return msg


def send(subject: str, body: str, to: list[str]) -> int:
    """Send one plain-text message from ENVOL_EMAIL_FROM; returns how many were sent (0 or 1)."""
    if any(len(line.encode()) > SMTP_LINE_LIMIT for line in body.splitlines()):
        raise ValueError("a line of this e-mail is longer than SMTP allows")
    message = EightBitMessage(subject, body, settings.DEFAULT_FROM_EMAIL, to)
    with requestslots.waiting():  # the mail server's time is not this machine's CPU
        return message.send()
