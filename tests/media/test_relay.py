"""The declaration form is not a mail relay (issue #16, item 9).

Before: one `started` token was replayed to send 30 confirmation e-mails to 30 domains in well under
a second, each with the sender's own text in its Subject. Now a token works once, a client may send
only a few declarations in a window (`ENVOL_RATE_LIMIT_MEDIA`), and nothing typed into the form
reaches the e-mail's Subject or body.
"""

from __future__ import annotations

import time

import pytest
from django.core import mail
from django.test import Client

from envol.media.antispam import form_started_token
from envol.media.models import Declaration

from .conftest import form_data

pytestmark = pytest.mark.django_db

SPAM = "Cheap pills at pills.example"


def _declaration(n: int, started: str) -> dict[str, str]:
    return form_data(name=f"{SPAM} {n}", website=f"https://victim{n}.org/", email=f"boss@victim{n}.org",
                     started=started, bluesky="", mastodon="", x_handle="", statement_url="")  # fmt: skip


def test_one_started_token_sends_one_declaration(client: Client) -> None:
    started = form_started_token(time.time() - 10)
    assert client.post("/media/declare/", _declaration(1, started)).status_code == 302
    replay = client.post("/media/declare/", _declaration(2, started))
    assert replay.status_code == 200  # the form comes back, with a fresh token
    assert "victim2" not in " ".join(m.to[0] for m in mail.outbox)
    assert Declaration.objects.count() == 1


def test_one_client_cannot_mail_thirty_domains(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ENVOL_RATE_LIMIT_MEDIA", raising=False)  # the shipped default
    statuses = [
        client.post("/media/declare/", _declaration(n, form_started_token(time.time() - 10))).status_code
        for n in range(30)
    ]
    assert len(mail.outbox) <= 8
    assert statuses.count(429) >= 22


def test_nothing_typed_in_the_form_reaches_the_e_mail(client: Client) -> None:
    client.post("/media/declare/", _declaration(1, form_started_token(time.time() - 10)))
    [message] = mail.outbox
    assert SPAM not in message.subject
    assert SPAM not in message.body
    assert "victim1.org" in message.body  # the recipient's own domain says what it is about


def test_the_confirmation_link_is_whole_in_the_sent_message(client: Client) -> None:
    """8-bit UTF-8, not quoted-printable: a copied link is never cut with `=` (issue #20)."""
    client.post("/media/declare/", form_data(), headers={"accept-language": "fr"})
    raw = mail.outbox[0].message().as_bytes().decode()
    links = [line for line in raw.splitlines() if "/media/confirm/" in line]
    assert len(links) == 1
    assert links[0].endswith("/")
    assert "Content-Transfer-Encoding: 8bit" in raw
