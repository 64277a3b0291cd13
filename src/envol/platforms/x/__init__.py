"""Sign-in with X: OAuth 2.0 authorization code with PKCE, used only to learn the verified X id and handle."""

from .config import XOAuthConfig
from .oauth import XIdentity, finish_authorization, read_callback, start_authorization

__all__ = ["XIdentity", "XOAuthConfig", "finish_authorization", "read_callback", "start_authorization"]
