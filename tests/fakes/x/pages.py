"""The HTML a browser sees on the fake x.com: the consent dialog and the error page.

Real forms and real <button>s so Playwright can click "Authorize app" or "Cancel"; no script.
"""

from __future__ import annotations

from html import escape


def _page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title></head><body><main>{body}</main></body></html>\n"
    )


def _hidden(fields: dict[str, str]) -> str:
    return "".join(f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">' for k, v in fields.items())


def consent(client_id: str, user: str, scopes: list[str], fields: dict[str, str]) -> str:
    items = "".join(f"<li><code>{escape(s)}</code></li>" for s in scopes)
    return _page(
        "Authorize app / X",
        f'<h1>An app wants to access your X account <strong class="user">@{escape(user)}</strong></h1>'
        f'<p class="client">Client <code>{escape(client_id)}</code> asks for:</p>'
        f'<ul class="scopes">{items}</ul>'
        f'<form method="post" action="/i/oauth2/authorize">{_hidden(fields)}'
        '<button type="submit" name="decision" value="allow">Authorize app</button>'
        '<button type="submit" name="decision" value="deny">Cancel</button></form>',
    )


def error(description: str, status_hint: str = "") -> str:
    # X shows a generic page, without redirecting, when the client or callback cannot be trusted.
    return _page(
        "Something went wrong / X",
        "<h1>Something went wrong</h1>"
        f'<p class="error" data-error="{escape(status_hint)}">{escape(description)}</p>',
    )


def not_signed_in() -> str:
    return _page("Log in to X / X", '<h1>Sign in to X</h1><p class="error">You are not signed in.</p>')
