"""In-memory database of one fake instance: accounts, apps, tokens, codes, follows and follow requests."""

from __future__ import annotations

import hashlib
import itertools
import re
import secrets
from dataclasses import dataclass, field
from typing import Any

from .clock import Clock
from .federation import RemoteProfile, split_acct

LOCAL_USERNAME = re.compile(r"^[A-Za-z0-9_]+$")  # Mastodon's username rule for local accounts
REMOTE_USERNAME = re.compile(r"^[A-Za-z0-9_.\-]+$")  # other servers allow dots and dashes


@dataclass
class Account:
    id: str
    username: str
    domain: str | None  # None = local
    web_domain: str
    created_at: float
    display_name: str = ""
    note: str = ""
    locked: bool = False
    bot: bool = False
    suspended: bool = False
    limited: bool = False  # moderators limited (silenced) it: the entity then says `limited: true`
    hide_collections: bool = False
    moved_to_id: str | None = None
    base_followers: int = 0  # counts that exist "before" the fake's own follow rows
    base_following: int = 0

    @property
    def local(self) -> bool:
        return self.domain is None

    @property
    def actor_uri(self) -> str:
        return f"https://{self.web_domain}/users/{self.username}"

    @property
    def url(self) -> str:
        return f"https://{self.web_domain}/@{self.username}"


@dataclass
class Follow:
    """A Follow or a FollowRequest row. `id` orders pages and is never exposed in a response body."""

    id: int
    account_id: str
    target_id: str
    reblogs: bool = True
    notify: bool = False
    languages: list[str] | None = None


@dataclass
class App:
    id: str
    name: str
    website: str | None
    redirect_uris: list[str]
    scopes: list[str]
    client_id: str
    client_secret: str


@dataclass
class Token:
    value: str
    app_id: str
    account_id: str | None  # None: client_credentials (app-only) token
    scopes: frozenset[str]
    created_at: int
    revoked: bool = False


@dataclass
class AuthCode:
    code: str
    app_id: str
    account_id: str
    redirect_uri: str
    scopes: frozenset[str]
    challenge: str | None
    method: str | None
    expires_at: float
    used: bool = False


@dataclass
class State:
    domain: str
    web_domain: str
    clock: Clock
    accounts: dict[str, Account] = field(default_factory=dict)
    follows: dict[tuple[str, str], Follow] = field(default_factory=dict)
    requests: dict[tuple[str, str], Follow] = field(default_factory=dict)
    blocks: set[tuple[str, str]] = field(default_factory=set)  # (blocker id, blocked id)
    mutes: set[tuple[str, str]] = field(default_factory=set)  # (muter id, muted id)
    apps: dict[str, App] = field(default_factory=dict)  # by client_id
    tokens: dict[str, Token] = field(default_factory=dict)
    codes: dict[str, AuthCode] = field(default_factory=dict)
    _by_acct: dict[str, str] = field(default_factory=dict)  # "user@domain" lower-cased ("" = local)

    def __post_init__(self) -> None:
        # Ids differ per instance (seeded by the domain) so that a client mixing ids of two servers fails,
        # and look like Mastodon snowflakes (large, stringly typed). Follow ids come from another
        # sequence so that building max_id from account ids (notes §5) gives wrong pages.
        seed = int(hashlib.sha256(self.domain.encode()).hexdigest()[:6], 16)
        self._account_seq = itertools.count(109_000_000_000_000_000 + seed * 1_000_000, 7)
        self._follow_seq = itertools.count(1_000 + seed % 977, 3)
        self._app_seq = itertools.count(1)

    # -- accounts -------------------------------------------------------------------------------
    def local_domains(self) -> set[str]:
        return {self.domain.lower(), self.web_domain.lower()}

    def _key(self, username: str, domain: str | None) -> str:
        return f"{username}@{domain or ''}".lower()

    def add_local(self, username: str, **fields: Any) -> Account:
        if not LOCAL_USERNAME.match(username):
            raise ValueError(f"invalid local username {username!r}")
        if self.find(username, None):
            raise ValueError(f"account {username!r} exists")
        return self._insert(
            Account(str(next(self._account_seq)), username, None, self.web_domain, self.clock(), **fields)
        )

    def add_remote(self, profile: RemoteProfile) -> Account:
        """Insert or refresh the local copy of a remote account (what a resolve does)."""
        if not REMOTE_USERNAME.match(profile.username):
            raise ValueError(f"invalid username {profile.username!r}")
        existing = self.find(profile.username, profile.domain)
        account = existing or Account(
            str(next(self._account_seq)), profile.username, profile.domain, profile.web_domain, self.clock()
        )
        account.display_name, account.note = profile.display_name, profile.note
        account.locked, account.bot, account.suspended = profile.locked, profile.bot, profile.suspended
        account.hide_collections = profile.hide_collections
        account.base_followers, account.base_following = profile.followers_count, profile.following_count
        return account if existing else self._insert(account)

    def _insert(self, account: Account) -> Account:
        self.accounts[account.id] = account
        self._by_acct[self._key(account.username, account.domain)] = account.id
        return account

    def remove(self, account: Account) -> None:
        del self.accounts[account.id]
        self._by_acct.pop(self._key(account.username, account.domain), None)
        for table in (self.follows, self.requests):
            for key in [k for k in table if account.id in k]:
                del table[key]

    def find(self, username: str, domain: str | None) -> Account | None:
        if domain is not None and domain.lower() in self.local_domains():
            domain = None
        found = self._by_acct.get(self._key(username, domain))
        return self.accounts.get(found) if found else None

    def find_acct(self, acct: str) -> Account | None:
        """Case-insensitive `user`, `@user`, `user@domain` lookup among accounts this server knows."""
        username, domain = split_acct(acct)
        return self.find(username, domain) if username else None

    def acct(self, account: Account) -> str:
        """`acct` as the API shows it: bare username for local accounts (accounts.md)."""
        return account.username if account.local else f"{account.username}@{account.domain}"

    def full_acct(self, account: Account) -> str:
        return f"{account.username}@{account.domain or self.domain}"

    # list(...) copies in one step: another instance may read these counts while this one writes.
    def following_count(self, account: Account) -> int:
        return account.base_following + sum(
            1 for f in list(self.follows.values()) if f.account_id == account.id
        )

    def followers_count(self, account: Account) -> int:
        return account.base_followers + sum(
            1 for f in list(self.follows.values()) if f.target_id == account.id
        )

    # -- follows --------------------------------------------------------------------------------
    def next_follow_id(self) -> int:
        return next(self._follow_seq)

    def outgoing(self, account_id: str, table: dict[tuple[str, str], Follow]) -> list[Follow]:
        return sorted((f for f in table.values() if f.account_id == account_id), key=lambda f: f.id)

    def incoming(self, account_id: str, table: dict[tuple[str, str], Follow]) -> list[Follow]:
        return sorted((f for f in table.values() if f.target_id == account_id), key=lambda f: f.id)

    # -- apps and tokens ------------------------------------------------------------------------
    def add_app(self, name: str, website: str | None, redirect_uris: list[str], scopes: list[str]) -> App:
        app = App(
            str(next(self._app_seq)),
            name,
            website,
            redirect_uris,
            scopes,
            secrets.token_urlsafe(32),
            secrets.token_urlsafe(32),
        )
        self.apps[app.client_id] = app
        return app

    def add_token(self, app: App, account: Account | None, scopes: frozenset[str]) -> Token:
        token = Token(
            secrets.token_urlsafe(32), app.id, account.id if account else None, scopes, int(self.clock())
        )
        self.tokens[token.value] = token
        return token

    def add_code(
        self,
        app: App,
        account: Account,
        redirect_uri: str,
        scopes: frozenset[str],
        challenge: str | None,
        method: str | None,
        expires_at: float,
    ) -> AuthCode:
        code = AuthCode(
            secrets.token_urlsafe(32), app.id, account.id, redirect_uri, scopes, challenge, method, expires_at
        )
        self.codes[code.code] = code
        return code
