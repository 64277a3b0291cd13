"""Stored values of the export in words, for the fields whose models keep English-only or no labels
(their packages sit above privacy, so the values are written here as stored, not imported). The
JSON file keeps every value as stored; the page shows these (envol.privacy.readable)."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

NETWORKS: dict[object, Promise | str] = {"bluesky": "Bluesky", "mastodon": "Mastodon", "x": "X"}

FOLLOW_STATES: dict[object, Promise | str] = {
    "planned": pgettext_lazy("follow state", "not asked yet"),
    "ready": pgettext_lazy("follow state", "about to be made"),
    "done": pgettext_lazy("follow state", "made"),
    "requested": pgettext_lazy("follow state", "requested, waiting for their approval"),
    "already_following": pgettext_lazy("follow state", "you already followed them"),
    "skipped": pgettext_lazy("follow state", "not possible"),
    "failed": pgettext_lazy("follow state", "failed"),
    "waiting_auth": pgettext_lazy("follow state", "waiting for you to sign in again"),
    "undone": pgettext_lazy("follow state", "removed at your request"),
}

#: (model label, field name) -> stored value -> words.
VALUE_WORDS: dict[tuple[str, str], dict[object, Promise | str]] = {
    ("registry.Person", "findable_by"): {
        "everyone": pgettext_lazy("who can find me", "everyone whose archive lists me"),
        "confirmed": pgettext_lazy("who can find me", "only the people my own archive confirms"),
        "nobody": pgettext_lazy("who can find me", "nobody"),
    },
    ("reconnect.FollowTask", "network"): NETWORKS,
    ("reconnect.FollowTask", "state"): FOLLOW_STATES,
    ("reconnect.BlockTask", "network"): NETWORKS,
    ("reconnect.BlockTask", "action"): {
        "block": pgettext_lazy("block action", "block"),
        "mute": pgettext_lazy("block action", "mute"),
    },
    ("reconnect.BlockTask", "state"): {
        "ready": pgettext_lazy("block state", "about to be made"),
        "done": pgettext_lazy("block state", "made"),
        "already": pgettext_lazy("block state", "you had already made it yourself"),
        "skipped": pgettext_lazy("block state", "not possible, or withdrawn"),
        "failed": pgettext_lazy("block state", "failed"),
        "undone": pgettext_lazy("block state", "removed at your request"),
    },
    ("matching.Candidate", "network"): NETWORKS,
    ("matching.Suggestion", "network"): NETWORKS,
    ("matching.Candidate", "kind"): {
        "verified": pgettext_lazy("match kind", "proven by its owner"),
        "bridged": pgettext_lazy("match kind", "through the Bridgy Fed bridge"),
        "suggestion": pgettext_lazy("match kind", "suggested, not proven"),
    },
    ("matching.Candidate", "unavailable"): {
        "moved": pgettext_lazy("account state", "moved"),
        "deactivated": pgettext_lazy("account state", "deactivated"),
        "deleted": pgettext_lazy("account state", "deleted"),
        "suspended": pgettext_lazy("account state", "suspended"),
    },
    ("reconnect.ReconnectChoice", "directions"): {
        "followees": pgettext_lazy("whom to follow", "the people I followed on X"),
        "followers": pgettext_lazy("whom to follow", "the people who followed me on X"),
        "both": pgettext_lazy("whom to follow", "both"),
        "none": pgettext_lazy("whom to follow", "nobody"),
    },
    ("reconnect.ReconnectChoice", "mode"): {
        "auto": pgettext_lazy("how to follow", "automatically"),
        "manual": pgettext_lazy("how to follow", "by hand"),
    },
    ("reconnect.ReconnectChoice", "pace"): {
        "gentle": pgettext_lazy("pace", "gently, to protect my account’s reputation"),
        "fast": pgettext_lazy("pace", "as fast as the network allows"),
    },
    # The export counts edges by their direction's (English) label (envol.privacy.export).
    ("graph.Edge", "direction"): {
        "follows the owner": pgettext_lazy("X list", "your followers"),
        "followed by the owner": pgettext_lazy("X list", "the people you followed"),
        "blocked by the owner": pgettext_lazy("X list", "the people you blocked"),
        "muted by the owner": pgettext_lazy("X list", "the people you muted"),
    },
}

#: Columns that hold identifiers: shown as written (never grouped like numbers), as code.
IDENTIFIERS = frozenset({"stable_id", "target_id", "address", "record_key", "rkey", "remote_id", "x_key"})
