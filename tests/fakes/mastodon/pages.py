"""The few HTML pages a browser sees during the OAuth dance: sign-in, consent, out-of-band code, error.

They are real pages with real forms so that Playwright can drive them (fill, click "Authorize").
No script, no external resource.
"""

from __future__ import annotations

from html import escape


def _page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title></head><body><main>{body}</main></body></html>\n"
    )


def _hidden(fields: dict[str, str]) -> str:
    return "".join(
        f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">'
        for k, v in fields.items()
        if v is not None
    )


def sign_in(domain: str, return_to: str, error: str | None = None) -> str:
    problem = f'<p class="error" role="alert">{escape(error)}</p>' if error else ""
    return _page(
        f"Log in - {domain}",
        f"<h1>Log in to {escape(domain)}</h1>{problem}"
        '<form method="post" action="/auth/sign_in">'
        f"{_hidden({'return_to': return_to})}"
        '<label for="username">Username</label>'
        '<input id="username" name="username" autocomplete="username" required>'
        '<button type="submit">Log in</button></form>',
    )


def consent(app_name: str, user_acct: str, scopes: list[str], fields: dict[str, str]) -> str:
    items = "".join(f"<li><code>{escape(s)}</code></li>" for s in scopes)
    return _page(
        "Authorization required",
        "<h1>Authorization required</h1>"
        f'<p><strong class="app-name">{escape(app_name)}</strong> would like permission to access your '
        f'account <strong class="user">@{escape(user_acct)}</strong>. It is a third-party application.</p>'
        f'<ul class="scopes">{items}</ul>'
        f'<form method="post" action="/oauth/authorize">{_hidden(fields)}'
        '<button type="submit" name="button" value="authorize">Authorize</button></form>'
        f'<form method="post" action="/oauth/authorize">{_hidden({**fields, "_method": "delete"})}'
        '<button type="submit" name="button" value="deny">Deny</button></form>',
    )


def oob_code(code: str) -> str:
    return _page(
        "Authorization code",
        "<h1>Authorization code</h1><p>Copy this authorization code and paste it to the application.</p>"
        f'<input id="code" type="text" readonly value="{escape(code)}">'
        f'<code class="code">{escape(code)}</code>',
    )


def error(name: str, description: str) -> str:
    return _page(
        "An error has occurred",
        "<h1>An error has occurred</h1>"
        f'<p class="error" data-error="{escape(name)}">{escape(description)}</p>',
    )


def not_found() -> str:
    return _page(
        "The page you are looking for isn't here.",
        "<h1>404</h1><p>The page you are looking for isn't here.</p>",
    )


def nginx(status: int, phrase: str) -> str:
    # What a reverse proxy answers when the app is down: HTML, not JSON.
    return (
        f"<html>\r\n<head><title>{status} {phrase}</title></head>\r\n<body>\r\n"
        f"<center><h1>{status} {phrase}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    )
