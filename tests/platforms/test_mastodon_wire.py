"""What a Mastodon connector makes of an answer that is not the JSON it expects: a passing fault."""

from __future__ import annotations

import httpx
import pytest

from envol.platforms.errors import Transient
from envol.platforms.mastodon.wire import json_list, json_object

REQUEST = httpx.Request("GET", "https://m.test/api/v1/accounts/1/following")


def _answer(content: bytes) -> httpx.Response:
    return httpx.Response(200, content=content, request=REQUEST)


def test_the_expected_shapes_come_back_as_they_are() -> None:
    assert json_list(_answer(b'[{"id": "1"}]')) == [{"id": "1"}]
    assert json_object(_answer(b'{"id": "1"}')) == {"id": "1"}


@pytest.mark.parametrize(
    ("content", "reader", "says"),
    [
        (b"<html>502 Bad Gateway</html>", json_list, "not JSON"),
        (b'{"id": "1"}', json_list, "expected a JSON list"),
        (b"[]", json_object, "expected a JSON object"),
    ],
)
def test_anything_else_is_transient(content: bytes, reader: object, says: str) -> None:
    with pytest.raises(Transient, match=says):
        reader(_answer(content))  # type: ignore[operator]
