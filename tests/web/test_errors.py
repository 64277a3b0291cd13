from __future__ import annotations

import pytest
from django.test import Client


@pytest.mark.django_db
@pytest.mark.urls("web.urls_boom")
@pytest.mark.parametrize(
    ("language", "title"), [("en", "Something went wrong"), ("fr", "Un problème est survenu")]
)
def test_friendly_500_in_both_languages(language: str, title: str) -> None:
    client = Client(raise_request_exception=False)
    response = client.get("/boom/", headers={"accept-language": language})
    assert response.status_code == 500
    html = response.content.decode()
    assert f"<h1>{title}</h1>" in html
    assert "deliberate failure" not in html  # no internals leak to the visitor
