"""E-mail bodies are 8-bit UTF-8: a long link stays on one line, readable and whole when copied."""

from __future__ import annotations

import io

import pytest
from django.core.mail.backends.console import EmailBackend

from envol.core.mail import EightBitMessage, send

LINK = (
    "https://envol.example.org/media/confirm/"
    + "Mzk:1xa1K3:iK3fgKdutrXYKW8kkHc6YL-qkoLkamY8XYMxwq-NueE" * 2
    + "/"
)
BODY = f"Quelqu’un a déclaré la position d’un média. Ouvrez ce lien :\n{LINK}\n"


def test_the_console_shows_the_body_as_written_with_the_link_whole() -> None:
    stream = io.StringIO()
    EmailBackend(stream=stream).send_messages(
        [EightBitMessage("Déclaration", BODY, "envol@localhost", ["a@b.org"])]
    )
    printed = stream.getvalue()
    assert "Content-Transfer-Encoding: 8bit" in printed
    assert LINK in printed.splitlines()  # one line, not cut with `=` as quoted-printable does
    assert "Quelqu’un a déclaré la position d’un média" in printed  # no =E2=80=99


def test_send_uses_the_eight_bit_message(mailoutbox: list[EightBitMessage]) -> None:
    assert send("Sujet", BODY, ["a@b.org"]) == 1
    [message] = mailoutbox
    raw = message.message().as_bytes()
    assert LINK.encode() in raw.splitlines()
    assert "Quelqu’un".encode() in raw


def test_a_line_longer_than_smtp_allows_is_refused() -> None:
    with pytest.raises(ValueError, match="longer than SMTP allows"):
        send("Sujet", "x" * 999, ["a@b.org"])
