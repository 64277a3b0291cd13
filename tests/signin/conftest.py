"""The sign-in tests share the registry's helpers: signed-in persons and the fake X and Mastodon
servers' consent steps."""

from registry.conftest import (
    ALICE_X,
    local,
    mastodon_consent,
    point_mastodon_at,
    point_x_at,
    sign_in_with_mastodon,
    sign_in_with_x,
    signed_in,
    x_consent,
    x_server,
)

__all__ = [
    "ALICE_X",
    "local",
    "mastodon_consent",
    "point_mastodon_at",
    "point_x_at",
    "sign_in_with_mastodon",
    "sign_in_with_x",
    "signed_in",
    "x_consent",
    "x_server",
]
