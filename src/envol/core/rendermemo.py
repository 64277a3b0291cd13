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

The CSRF token is the visitor's own on every answer (Django's `get_token`), as in the public page
cache. The memory is bounded (MAX_ENTRIES pages per process); off with ENVOL_PAGE_CACHE=off.
"""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import enum
import functools
import hashlib
import operator
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

from django.contrib.messages import get_messages
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render as django_render
from django.template import engines
from django.utils import translation
from django.utils.functional import Promise
from django.utils.module_loading import import_string

from envol.core.pagecache import enabled

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


# Values whose repr is their whole content (dates with their zone, enums with their value).
_SCALARS: frozenset[type] = frozenset({
    type(None), bool, int, float, str, bytes, decimal.Decimal, datetime.date, datetime.datetime,
    datetime.time, datetime.timedelta,
})  # fmt: skip
_FIELDS: dict[type, Callable[[object], tuple[object, ...]]] = {}


def _value(value: object) -> object:
    kind = type(value)
    if kind in _SCALARS or isinstance(value, enum.Enum):
        return value
    if kind is list or kind is tuple:
        return tuple(_value(v) for v in value)  # type: ignore[attr-defined]  # a list or a tuple
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, str):  # SafeString and other str subclasses
        return str(value)
    if isinstance(value, Mapping):
        return tuple((str(k), _value(v)) for k, v in value.items())
    if isinstance(value, Model):
        return (value._meta.label, *(_value(f.value_from_object(value)) for f in value._meta.concrete_fields))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = _FIELDS.get(kind)
        if fields is None:
            getter = operator.attrgetter(*(f.name for f in dataclasses.fields(value)), "__class__")
            fields = _FIELDS[kind] = getter  # the class last: always a tuple, even of one field
        values = fields(value)
        if _SCALARS.issuperset(map(type, values[:-1])):  # rows of plain values: compared as they are
            return (kind.__qualname__, values[:-1])
        return (kind.__qualname__, *(_value(v) for v in values[:-1]))
    raise Unkeyable(kind.__qualname__)


@functools.cache
def _processors() -> tuple[Callable[[HttpRequest], dict[str, Any]], ...]:
    engine = engines["django"]
    names: list[str] = engine.engine.context_processors  # type: ignore[attr-defined]
    return tuple(import_string(name) for name in names if name not in _HANDLED)


def _key(request: HttpRequest, template_name: str, context: dict[str, Any]) -> bytes | None:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return None  # an operator's pages are theirs to see fresh
    if len(get_messages(request)) > 0:
        return None  # notices are shown once: their page is rendered
    try:
        inputs = [template_name, translation.get_language(), request.get_full_path(), _value(context)]
        inputs += [_value(processor(request)) for processor in _processors()]
    except Unkeyable:
        return None
    return hashlib.blake2b(repr(inputs).encode(), digest_size=32).digest()


def render(request: HttpRequest, template_name: str, context: dict[str, Any]) -> HttpResponse:
    """`django.shortcuts.render`, reusing the HTML of an earlier render with the same inputs."""
    key = _key(request, template_name, context) if enabled() else None
    if key is not None:
        with _LOCK:
            parts = _MEMO.get(key)
            if parts is not None:
                _MEMO.move_to_end(key)
        if parts is not None:
            return HttpResponse(get_token(request).encode("ascii").join(parts))
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
