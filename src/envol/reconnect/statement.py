"""What the progress of one linked account is, in one sentence that is true in every state.

`phase_of` is pure: it reads the figures `progress.progress_for` computed (counts per state, the
person's choice, the start date, the pause, the ETA) and says which of the five states the account
is in. `statement` writes that state in the active language. The "Your people" page renders it, and
its JSON twin (`envol.reconnect.people.progress_json`) sends it again every few seconds, so that the
page follows the engine without being reloaded.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from envol.core.moments import LONG_MOMENT, day, moment
from envol.reconnect.models import Mode
from envol.reconnect.progress import AccountProgress
from envol.reconnect.states import TaskState

S = TaskState


class Phase(enum.StrEnum):
    IDLE = "idle"  # nothing queued: the person has not chosen anyone (yet)
    SCHEDULED = "scheduled"  # automatic follows wait for the operator's start date
    RUNNING = "running"  # follows are being sent
    PAUSED = "paused"  # follows wait, and the sentence says why
    DONE = "done"  # everything queued was sent


@dataclass(frozen=True)
class Figures:
    phase: Phase
    to_send: int  # queued now: ready, waiting for a sign-in, automatic ones once the date has come
    waiting_date: int  # automatic ones that wait for the start date
    done: int
    pending: int  # follow requests not accepted yet: sent, so nothing left to do for Envol
    undone: int


def figures(p: AccountProgress, start: datetime | None, now: datetime) -> Figures:
    c = p.counts
    automatic = p.mode == Mode.AUTOMATIC
    date_passed = start is not None and now >= start
    planned_auto = c.get(S.PLANNED, 0) if automatic else 0
    to_send = c.get(S.READY, 0) + c.get(S.WAITING_AUTH, 0) + (planned_auto if date_passed else 0)
    waiting_date = 0 if date_passed else planned_auto
    undone = c.get(S.UNDONE, 0)
    if to_send and (p.paused or c.get(S.WAITING_AUTH, 0)):
        phase = Phase.PAUSED
    elif to_send:
        phase = Phase.RUNNING
    elif waiting_date:
        phase = Phase.SCHEDULED
    elif p.done or p.pending or undone:
        phase = Phase.DONE
    else:
        phase = Phase.IDLE
    return Figures(phase, to_send, waiting_date, p.done, p.pending, undone)


def _when(value: datetime) -> str:
    return moment(value, LONG_MOMENT) + " UTC"  # as every page writes a moment (core/moments.py)


def statement(p: AccountProgress, start: datetime | None, now: datetime, network: str) -> str:
    """The account's state as a sentence (see the module docstring)."""
    f = figures(p, start, now)
    done = intcomma(f.done)
    if f.phase == Phase.IDLE:
        return _("Nothing is queued yet: choose below whom to follow.")
    if f.phase == Phase.SCHEDULED:
        if start is None:
            text = ngettext(
                "%(count)s follow waits for the start date, which has not been announced yet.",
                "%(count)s follows wait for the start date, which has not been announced yet.",
                f.waiting_date,
            )
            return text % {"count": intcomma(f.waiting_date)}
        text = ngettext(
            "%(count)s follow is scheduled: Envol starts on %(day)s.",
            "%(count)s follows are scheduled: Envol starts on %(day)s.",
            f.waiting_date,
        )
        return text % {"count": intcomma(f.waiting_date), "day": day(start)}
    if f.phase == Phase.PAUSED:
        why = p.paused or _("Envol needs you to sign in with this account again.")
        text = ngettext(
            "Paused with %(left)s follow to go (%(done)s done). %(why)s",
            "Paused with %(left)s follows to go (%(done)s done). %(why)s",
            f.to_send,
        )
        return text % {"left": intcomma(f.to_send), "done": done, "why": why}
    if f.phase == Phase.RUNNING:
        text = ngettext(
            "Under way: %(done)s done, %(left)s to go.",
            "Under way: %(done)s done, %(left)s to go.",
            f.to_send,
        ) % {"done": done, "left": intcomma(f.to_send)}
        if p.eta is not None:
            # A daily ceiling means the reputation pace, slower than the network's own budget.
            sentence = (
                _(
                    "At the gentle pace that protects your account, the last one should be sent "
                    "around %(when)s."
                )
                if p.daily_ceiling is not None
                else _("At the pace %(network)s allows, the last one should be sent around %(when)s.")
            )
            text += " " + sentence % {"network": network, "when": _when(max(p.eta, now))}
        return text
    text = ngettext("Done: %(done)s follow made.", "Done: %(done)s follows made.", f.done) % {"done": done}
    if f.pending:
        text += " " + ngettext(
            "%(shown)s follow request waits for approval.",
            "%(shown)s follow requests wait for approval.",
            f.pending,
        ) % {"shown": intcomma(f.pending)}
    if f.undone:
        text += " " + ngettext(
            "%(count)s follow removed at your request.",
            "%(count)s follows removed at your request.",
            f.undone,
        ) % {"count": intcomma(f.undone)}
    return text
