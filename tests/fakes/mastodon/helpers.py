"""Set-up and inspection helpers of FakeMastodon (a mixin, to keep each module small).

Everything here goes straight to the in-memory state under the instance lock: no HTTP, no limits.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import Any

from .clock import Clock
from .context import Context
from .faults import Fault, FaultInjector
from .federation import Federation, RemoteProfile, split_acct
from .follows import accept
from .limits import RateLimiter
from .search import localize
from .state import Account, Follow, State


class InstanceHelpers:
    # Provided by FakeMastodon.__init__.
    clock: Clock
    ctx: Context
    state: State
    federation: Federation
    limiter: RateLimiter
    faults: FaultInjector
    _lock: threading.RLock

    @property
    def domain(self) -> str:
        return self.ctx.config.domain

    # -- setting up ---------------------------------------------------------------------------------
    def add_account(
        self,
        username: str,
        *,
        display_name: str = "",
        note: str = "",
        locked: bool = False,
        bot: bool = False,
        moved_to: str | None = None,
        suspended: bool = False,
        hide_collections: bool = False,
        followers_count: int = 0,
        following_count: int = 0,
    ) -> str:
        """Create a local account; the counts are a base on top of which real follows add. Returns its id."""
        with self._lock:
            account = self.state.add_local(
                username,
                display_name=display_name or username,
                note=note,
                locked=locked,
                bot=bot,
                suspended=suspended,
                hide_collections=hide_collections,
                base_followers=followers_count,
                base_following=following_count,
            )
            if moved_to is not None:
                self._set_moved(account, moved_to)
            return account.id

    def add_remote_account(self, acct: str, **fields: Any) -> str:
        """A remote account this server already knows (lookup finds it without resolve). Returns its id."""
        username, domain = split_acct(acct)
        if not domain or domain in self.state.local_domains():
            raise ValueError(f"not a remote acct: {acct!r}")
        with self._lock:
            profile = replace(RemoteProfile(username=username, domain=domain, web_domain=domain), **fields)
            return localize(self.ctx, profile).id

    def _set_moved(self, account: Account, moved_to: str) -> None:
        target = self.state.find_acct(moved_to)
        if target is None:
            found = self.federation.resolve(moved_to)
            target = localize(self.ctx, found) if found else None
        if target is None:
            username, domain = split_acct(moved_to)
            target = self.state.add_remote(
                RemoteProfile(username, domain or self.domain, domain or self.domain)
            )
        account.moved_to_id = target.id

    def move(self, username: str, moved_to: str) -> None:
        with self._lock:
            self._set_moved(self._local(username), moved_to)

    def suspend(self, username: str, suspended: bool = True) -> None:
        with self._lock:
            self._local(username).suspended = suspended

    def limit(self, username: str, limited: bool = True) -> None:
        """Moderators limit (silence) the account, or lift it."""
        with self._lock:
            self._local(username).limited = limited

    def delete_account(self, username: str) -> None:
        """Remove the account entirely: later lookups answer 404, its tokens 401."""
        with self._lock:
            self.state.remove(self._local(username))

    def login_as(self, username: str | None) -> None:
        """Who is "signed in" in any browser that has no session cookie (the consent page uses it)."""
        if username is not None:
            self._local(username)
        self.ctx.default_user = username

    def create_app(self, redirect_uris: list[str] | None = None, scopes: str = "read") -> tuple[str, str]:
        """Register an app without HTTP; returns (client_id, client_secret)."""
        wanted = self._known_scopes(scopes)
        with self._lock:
            app = self.state.add_app("test app", None, redirect_uris or ["urn:ietf:wg:oauth:2.0:oob"], wanted)
            return app.client_id, app.client_secret

    def _known_scopes(self, scopes: str) -> list[str]:
        wanted = scopes.split()
        unknown = set(wanted) - self.ctx.config.scopes
        if unknown:  # a test asking for what this server cannot grant is a mistake in the test
            raise ValueError(f"scopes unknown to this server: {sorted(unknown)}")
        return wanted

    def issue_token(self, username: str | None, scopes: str = "read write") -> str:
        """A bearer token without the browser flow (username None: an app-only token)."""
        wanted = self._known_scopes(scopes)
        with self._lock:
            app = self.state.add_app("test harness", None, ["urn:ietf:wg:oauth:2.0:oob"], wanted)
            account = self._local(username) if username is not None else None
            return self.state.add_token(app, account, frozenset(wanted)).value

    def revoke_token(self, token: str) -> None:
        with self._lock:
            self.state.tokens[token].revoked = True

    def seed_follow(self, follower: str, target_acct: str, *, requested: bool = False) -> None:
        """Make a local account follow (or request) another known account, outside every limit."""
        with self._lock:
            me, target = self._local(follower), self._known(target_acct)
            key = (me.id, target.id)
            if key not in self.state.follows and key not in self.state.requests:
                edge = Follow(self.state.next_follow_id(), me.id, target.id)
                (self.state.requests if requested else self.state.follows)[key] = edge

    def seed_block(self, owner: str, target_acct: str, *, mute: bool = False) -> None:
        """Make a local account block (or mute) another known account, as its owner would."""
        with self._lock:
            pair = (self._local(owner).id, self._known(target_acct).id)
            (self.state.mutes if mute else self.state.blocks).add(pair)

    def blocks_of(self, username: str, *, mutes: bool = False) -> list[str]:
        """Full addresses `username` blocks (or mutes), sorted."""
        with self._lock:
            me = self._local(username).id
            pairs = self.state.mutes if mutes else self.state.blocks
            return sorted(self.state.full_acct(self.state.accounts[t]) for m, t in pairs if m == me)

    def approve_follow_request(self, target: str, requester_acct: str) -> bool:
        with self._lock:
            return accept(self.state, self._known(requester_acct), self._local(target))

    def fail_next(self, n: int = 1, *, status: int = 502, **options: Any) -> None:
        """The next `n` requests (optionally: `path` prefix, `method`) fail; see faults.Fault."""
        self.faults.add(Fault(n, status, **options))

    # -- inspecting --------------------------------------------------------------------------------
    def _local(self, username: str) -> Account:
        account = self.state.find(username, None)
        if account is None:
            raise KeyError(f"no local account {username!r} on {self.domain}")
        return account

    def _known(self, acct: str) -> Account:
        account = self.state.find_acct(acct)
        if account is None:
            raise KeyError(f"{acct!r} unknown to {self.domain}")
        return account

    def account_id(self, acct: str) -> str:
        return self._known(acct).id

    def following_of(self, username: str) -> list[str]:
        """Full addresses (`user@domain`, local ones included) that `username` follows, oldest first."""
        with self._lock:
            me = self._local(username)
            return [
                self.state.full_acct(self.state.accounts[f.target_id])
                for f in self.state.outgoing(me.id, self.state.follows)
            ]

    def requested_by(self, username: str) -> list[str]:
        """Pending follow requests sent by `username` (full addresses)."""
        with self._lock:
            me = self._local(username)
            return [
                self.state.full_acct(self.state.accounts[f.target_id])
                for f in self.state.outgoing(me.id, self.state.requests)
            ]

    def followers_of(self, username: str) -> list[str]:
        with self._lock:
            me = self._local(username)
            return [
                self.state.full_acct(self.state.accounts[f.account_id])
                for f in self.state.incoming(me.id, self.state.follows)
            ]

    def follows_counted_today(self, username: str) -> int:
        """Follow/FollowRequest creations counted against the 400-per-UTC-day family."""
        return self.limiter.follows_today(self._local(username).id)
