"""A page rendered again only when what it shows changed (decision 0013).

`render` is `django.shortcuts.render` for pages that a person reloads often and whose template is
the costly part (the review page: 50 rows, two thirds of the request's time). The view still runs
every query; what is reused is the HTML, and only when every input of the template is the same as
for an earlier render in this process: the view's context, the context processors' values, the
language and the address. The inputs are compared by value, field by field: plain values, lists,
dicts, dataclasses and model instances (their own columns). A context holding anything else (a
queryset, an object without a value-complete form) is not reused, and a page with notices waiting
neither. So a template rendered through this must show only its context's values and their fields,
not a model's relations, which the comparison does not see.

The CSRF token is the visitor's own on every answer (Django's `get_token`, its mask drawn in one
read by `pagecache.form_token`), as in the public page cache. The memory is bounded (MAX_ENTRIES
pages per process); off with ENVOL_PAGE_CACHE=off.
"""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import enum
import functools
import hashlib
import io
import operator
import pickle
import re
import threading
import zoneinfo
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

from django.contrib.messages import get_messages
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render as django_render
from django.template import engines
from django.utils import translation
from django.utils.functional import Promise
from django.utils.module_loading import import_string

from envol.core.pagecache import enabled, form_token

MAX_ENTRIES = 256
_TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="([A-Za-z0-9]{64})"')
_MEMO: OrderedDict[bytes, list[bytes]] = OrderedDict()
_LOCK = threading.Lock()  # requests run in threads of their own
# Context processors whose values the key takes in its own way: the token (the visitor's own on
# every answer), the request (its address), the operator's user (refused below), the notices.
_HANDLED = {
    "django.template.context_processors.csrf",
    "django.template.context_processors.request",
    "django.contrib.auth.context_processors.auth",
    "django.contrib.messages.context_processors.messages",
}


class Unkeyable(Exception):
    """A value whose content cannot be compared: the page is rendered."""


def _named(*values: object) -> None:
    """What a compared value is written as (never called: the bytes are hashed, never loaded)."""
    raise AssertionError("the memo's keys are never unpickled")


# Values whose own pickled form is their whole content (dates, a fixed offset, numbers).
_NATIVE: frozenset[type] = frozenset({
    datetime.date, datetime.datetime, datetime.time, datetime.timedelta, datetime.timezone, decimal.Decimal,
})  # fmt: skip
_FIELDS: dict[type, Callable[[object], object]] = {}
#: A stand-in: what pickle's C code writes without asking (`render`'s `stand_ins`).
Plain = str | bytes | int | tuple["Plain", ...]


class _KeyPickler(pickle.Pickler):
    """Writes a page's inputs as bytes that differ whenever a value differs. Pickle's C code writes
    plain values, lists, tuples and dicts itself and asks `reducer_override` for anything else:
    dataclasses and model instances are written as their class and their fields' values, lazy and
    safe strings as their text, other mappings as their items; an object it cannot write whole
    raises `Unkeyable`. Equal values written differently (objects shared, sets in another order) only
    miss the memo. This is about three times cheaper than building and printing a tuple of the same
    values (docs/performance.md)."""

    def reducer_override(self, obj: object) -> Any:  # pickle's reduce value, or NotImplemented
        kind = type(obj)
        if kind in _NATIVE or isinstance(obj, type | enum.Enum) or obj is _named:
            return NotImplemented  # pickle's own form: a class by its name, an enum by its value
        fields = _FIELDS.get(kind)
        if fields is None and dataclasses.is_dataclass(obj):
            names = [f.name for f in dataclasses.fields(obj)]
            # The class last: it names the kind, and the getter always returns a tuple.
            fields = _FIELDS[kind] = operator.attrgetter(*names, "__class__")
        if fields is not None:
            return _named, fields(obj)
        if kind is zoneinfo.ZoneInfo:
            return _named, ("zone", obj.key)  # type: ignore[attr-defined]  # its own pickle names a method
        if isinstance(obj, str | Promise):  # SafeString, lazy translations
            return _named, ("str", str.__str__(str(obj)))  # a plain str: a SafeString's str() is itself
        if isinstance(obj, Model):
            return _named, (
                obj._meta.label,
                tuple(f.value_from_object(obj) for f in obj._meta.concrete_fields),
            )
        if isinstance(obj, Mapping):
            return _named, ("mapping", tuple(obj.items()))
        raise Unkeyable(kind.__qualname__)


def _inputs(values: list[object]) -> bytes:
    """The pickled form of a page's inputs (`Unkeyable` for a value that cannot be compared)."""
    out = io.BytesIO()
    _KeyPickler(out, protocol=pickle.HIGHEST_PROTOCOL).dump(values)
    return out.getvalue()


@functools.cache
def _processors() -> tuple[Callable[[HttpRequest], dict[str, Any]], ...]:
    engine = engines["django"]
    names: list[str] = engine.engine.context_processors  # type: ignore[attr-defined]
    return tuple(import_string(name) for name in names if name not in _HANDLED)


def _key(
    request: HttpRequest, template_name: str, context: dict[str, Any], stand_ins: Mapping[str, Plain]
) -> bytes | None:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return None  # an operator's pages are theirs to see fresh
    if len(get_messages(request)) > 0:
        return None  # notices are shown once: their page is rendered
    compared = {**context, **{name: ("stand-in", value) for name, value in stand_ins.items()}}
    inputs: list[object] = [template_name, translation.get_language(), request.get_full_path(), compared]
    inputs += [processor(request) for processor in _processors()]
    try:
        written = _inputs(inputs)
    except (Unkeyable, pickle.PicklingError):  # a class pickle cannot name (a local enum): rendered
        return None
    return hashlib.blake2b(written, digest_size=32).digest()


def render(
    request: HttpRequest,
    template_name: str,
    context: dict[str, Any],
    stand_ins: Mapping[str, Plain] | None = None,
) -> HttpResponse:
    """`django.shortcuts.render`, reusing the HTML of an earlier render with the same inputs.

    `stand_ins` names context entries compared through a plain value instead of field by field:
    for an entry built, with the language, from values that are cheap to write whole (the rows a
    statement read, pickled as they came), where writing the built objects cost more than the
    rest of the key (fifty rows of "Your people", docs/performance.md). The caller answers for the
    stand-in's holding everything the entry is built from, the language apart."""
    key = _key(request, template_name, context, stand_ins or {}) if enabled() else None
    if key is not None:
        with _LOCK:
            parts = _MEMO.get(key)
            if parts is not None:
                _MEMO.move_to_end(key)
        if parts is not None:
            return HttpResponse(form_token(request).encode("ascii").join(parts))
    response = django_render(request, template_name, context)
    if key is not None and response.status_code == 200:
        tokens = set(_TOKEN.findall(response.content))
        if len(tokens) <= 1:
            kept = response.content.split(tokens.pop()) if tokens else [response.content]
            with _LOCK:
                _MEMO[key] = kept
                while len(_MEMO) > MAX_ENTRIES:
                    _MEMO.popitem(last=False)
    return response
