"""Request parameters as Rails reads them: query string, form, multipart and JSON bodies.

Arrays keep their `[]` suffix (`id[]=1&id[]=2`, or a JSON list) so a handler can tell
`redirect_uris[]` (an array, 4.3+) from `redirect_uris` (a string).
"""

from __future__ import annotations

import json
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qs

Params = dict[str, list[str]]


class BadBody(ValueError):
    """A body Rails could not parse (answered 400, as ActionDispatch::Http::Parameters::ParseError)."""


def parse_query(raw: str) -> Params:
    return {key: values for key, values in parse_qs(raw, keep_blank_values=True).items()}


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _from_json(raw: bytes) -> Params:
    try:
        body = json.loads(raw)
    except ValueError as error:
        raise BadBody(str(error)) from error
    out: Params = {}
    for key, value in body.items() if isinstance(body, dict) else []:
        if isinstance(value, list):
            out[f"{key}[]"] = [_scalar(v) for v in value]
        else:
            out[str(key)] = [_scalar(value)]
    return out


def _from_multipart(content_type: str, raw: bytes) -> Params:
    message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + raw)
    out: Params = {}
    for part in message.iter_parts() if message.is_multipart() else []:
        name = part.get_param("name", header="content-disposition")
        if isinstance(name, str):
            payload = part.get_payload(decode=True)
            text = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
            out.setdefault(name, []).append(text)
    return out


def parse_body(content_type: str, raw: bytes) -> Params:
    kind = content_type.split(";")[0].strip().lower()
    if not raw:
        return {}
    if kind == "application/json":
        return _from_json(raw)
    if kind == "application/x-www-form-urlencoded":
        return parse_query(raw.decode("utf-8", "replace"))
    if kind == "multipart/form-data":
        return _from_multipart(content_type, raw)
    return {}
