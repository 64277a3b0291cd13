"""A strict fake of X's OAuth 2.0 (authorization code + PKCE) and GET /2/users/me (docs/testing-fake-x.md).

with FakeX() as x:
    x.add_user("42", "alice_x", "Alice")
    x.login_as("42")
    # browser: GET x.authorize_url?... -> click "Authorize app" -> redirect with code and state
"""

from .instance import DEFAULT_REDIRECT, FakeX
from .pkce import s256
from .state import XApp, XUser

__all__ = ["DEFAULT_REDIRECT", "FakeX", "XApp", "XUser", "s256"]
