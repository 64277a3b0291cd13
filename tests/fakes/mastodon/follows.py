"""Follow rules: FollowService, FollowLimitValidator, the `follows` rate-limit family (notes §1, §2, §4)."""

from __future__ import annotations

from dataclasses import dataclass

from .limits import Limits, RateLimiter
from .server import ApiError
from .state import Account, Follow, State

SELF_FOLLOW = "Following your own account is not allowed"  # accounts.self_follow_error
NOT_ALLOWED = "This action is not allowed"
NOT_FOUND = "Record not found"
TOO_MANY = "Too many requests"


@dataclass(frozen=True)
class FollowOptions:
    reblogs: bool | None = None  # None: keep the current value (or the default for a new follow)
    notify: bool | None = None
    languages: list[str] | None = None


def follow_limit(limits: Limits, state: State, account: Account) -> int:
    """FollowLimitValidator.limit_for_account: the threshold, or followers x ratio once past it."""
    if state.following_count(account) < limits.max_follows_threshold:
        return limits.max_follows_threshold
    return max(round(state.followers_count(account) * limits.max_follows_ratio), limits.max_follows_threshold)


def _apply(edge: Follow, options: FollowOptions) -> None:
    if options.reblogs is not None:
        edge.reblogs = options.reblogs
    if options.notify is not None:
        edge.notify = options.notify
    if options.languages is not None:
        edge.languages = options.languages or None


def follow(state: State, limiter: RateLimiter, me: Account, target: Account, options: FollowOptions) -> None:
    """Create (or update) the follow of `target` by `me`, raising the error Mastodon would answer."""
    if target.id == me.id:
        raise ApiError(403, SELF_FOLLOW)
    if target.suspended:
        raise ApiError(404, NOT_FOUND)  # FollowService#following_not_possible? (unavailable target)
    if target.moved_to_id is not None:
        # FollowService#following_not_allowed? includes `@target_account.moved?`: follow the new account.
        raise ApiError(403, NOT_ALLOWED)
    key = (me.id, target.id)
    existing = state.follows.get(key) or state.requests.get(key)
    if existing is not None:
        _apply(existing, options)  # re-following creates nothing and counts nothing
        return
    limit = follow_limit(limiter.limits, state, me)
    if limiter.limits.enabled and state.following_count(me) >= limit:
        raise ApiError(422, f"Validation failed: You can't follow more than {limit} people")
    if not limiter.record_follow(me.id):
        raise ApiError(429, TOO_MANY)
    edge = Follow(state.next_follow_id(), me.id, target.id)
    _apply(edge, options)
    # A locked target gets a FollowRequest. An unlocked remote target is a follow request on the wire
    # too, but the controller already answers `following: true`; the fake accepts it at once.
    (state.requests if target.locked else state.follows)[key] = edge


def unfollow(state: State, me: Account, target: Account) -> None:
    """UnfollowService: removes the follow, or withdraws a pending request. Idempotent."""
    state.follows.pop((me.id, target.id), None)
    state.requests.pop((me.id, target.id), None)


def accept(state: State, requester: Account, target: Account) -> bool:
    """Turn a pending FollowRequest into a Follow (what the target's "Authorize" does)."""
    edge = state.requests.pop((requester.id, target.id), None)
    if edge is None:
        return False
    edge.id = state.next_follow_id()  # the Follow row is created at acceptance time
    state.follows[(requester.id, target.id)] = edge
    return True
