"""The settings of the reconnection engine's pacing for reputation (envol.reconnect.pacing): how fast
an account may follow so that it never looks like a spammer, on top of the platforms' published
budgets. Declared here as part of ``Config`` (``core/config.py``); every default is justified, with
its evidence, in docs/decisions/0022-pacing-for-reputation.md."""

from __future__ import annotations

from envol.core.config_parse import choice, positive, whole, words
from envol.core.setting import Setting


class PacingSettings:
    """Pacing for reputation; ``Config`` inherits them."""

    reconnect_pacing = Setting(
        "ENVOL_RECONNECT_PACING",
        "reputation",
        "`reputation`: each account follows in bursts no larger than the settings below, within a daily "
        "ceiling, gently while it is new, and stops at the follow-back rule. `off`: only the budgets "
        "pace follows (tests and benchmarks against local servers). Never `off` against public servers.",
        choice("reputation", "off"),
    )
    pacing_burst = Setting(
        "ENVOL_PACING_BURST",
        "150",
        "At most this many follows by one account within any `ENVOL_PACING_BURST_MINUTES` (Bluesky's "
        "starter packs follow up to 150 accounts in one click).",
        whole(minimum=1),
    )
    pacing_burst_minutes = Setting(
        "ENVOL_PACING_BURST_MINUTES",
        "120",
        "The window of one burst: the next burst of an account waits until its earlier follows are "
        "this many minutes old.",
        positive,
    )
    pacing_daily = Setting(
        "ENVOL_PACING_DAILY",
        "400",
        "At most this many follows by one account within any 24 hours (Mastodon's own daily limit "
        "on follows through its API).",
        whole(minimum=1),
    )
    pacing_new_days = Setting(
        "ENVOL_PACING_NEW_DAYS",
        "14",
        "An account younger than this many days (by the date its platform gives) starts gently, "
        "unless it has `ENVOL_PACING_NEW_FOLLOWERS` followers already.",
        whole(minimum=0),
    )
    pacing_new_followers = Setting(
        "ENVOL_PACING_NEW_FOLLOWERS",
        "50",
        "A young account with at least this many followers is treated as established.",
        whole(minimum=0),
    )
    pacing_new_burst = Setting(
        "ENVOL_PACING_NEW_BURST",
        "50",
        "The burst of a new account (in place of `ENVOL_PACING_BURST`).",
        whole(minimum=1),
    )
    pacing_new_daily = Setting(
        "ENVOL_PACING_NEW_DAILY",
        "150",
        "The daily ceiling of a new account (in place of `ENVOL_PACING_DAILY`): one starter pack a day.",
        whole(minimum=1),
    )
    pacing_follow_back_floor = Setting(
        "ENVOL_PACING_FOLLOW_BACK_FLOOR",
        "200",
        "Past this many follows, an account keeps following only while its followers are at least "
        "`ENVOL_PACING_FOLLOW_BACK_PERCENT` of the accounts it follows (a labeller flags accounts "
        "that follow more than 200 with under 1 % following back).",
        whole(minimum=0),
    )
    pacing_follow_back_percent = Setting(
        "ENVOL_PACING_FOLLOW_BACK_PERCENT",
        "1",
        "The follow-back share (percent) below which an account past the floor stops following.",
        positive,
    )
    pacing_posts_per_thousand = Setting(
        "ENVOL_PACING_POSTS_PER_THOUSAND",
        "1",
        "Past the floor, an account keeps following only while it has at least this many posts per "
        "thousand accounts it follows (the same labeller's following-to-post rule: 0.1 %).",
        positive,
    )
    pacing_recheck_hours = Setting(
        "ENVOL_PACING_RECHECK_HOURS",
        "6",
        "How often an account held by the follow-back or posts rule reads its counts again (it goes "
        "on by itself once they allow it).",
        positive,
    )
    pacing_check_every = Setting(
        "ENVOL_PACING_CHECK_EVERY",
        "150",
        "The account's own labels are read before each run and again after this many follows in one run.",
        whole(minimum=1),
    )
    pacing_alarm_labels = Setting(
        "ENVOL_PACING_ALARM_LABELS",
        "spam,!hide,!warn,!takedown,!suspend,limited,suspended",
        "Labels on a person's own account (Bluesky moderation's, or Mastodon's `limited` and "
        "`suspended` states) that pause its follows at once until the person resumes them.",
        words,
    )
