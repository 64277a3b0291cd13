"""How an account is named on pages: the platform's name and the handle with its ``@``."""

from __future__ import annotations

from envol.core.ids import Platform
from envol.registry.models import Account

PLATFORM_NAMES = {Platform.X: "X", Platform.BLUESKY: "Bluesky", Platform.MASTODON: "Mastodon"}


def shown_handle(platform: Platform | str, handle: str) -> str:
    return f"@{handle}" if handle else ""


def account_label(account: Account) -> str:
    return f"{PLATFORM_NAMES[Platform(account.platform)]} {shown_handle(account.platform, account.handle)}"
