"""The Mastodon sign-in half of the connector, against the strict fake server (tests/fakes/mastodon)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from envol.platforms.errors import AuthExpired, NotFound, OutOfScope, RateLimited, Rejected, Transient
from envol.platforms.http import SafeHttp, UnsafeHost
from envol.platforms.mastodon import (
    ForeignIdentity,
    InstanceInfo,
    InstanceMap,
    MastodonToken,
    RegisteredApp,
    authorization_url,
    code_from_callback,
    discover,
    exchange_code,
    instance_domain,
    new_pkce,
    new_state,
    register_app,
    revoke,
    verify_credentials,
)
from fakes.mastodon import LEGACY_SCOPES, FakeClock, FakeMastodon, Limits, Throttle
from fakes.mastodon.fixtures import FakeMastodonFactory
from fakes.mastodon.flow import form_fields

REDIRECT = "https://envol.example/auth/mastodon/callback"
GRANULAR = "read:accounts read:follows write:follows read:search"


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    # Redirects followed, as SafeHttp does in production (HttpClient's contract).
    with httpx.Client(timeout=5, follow_redirects=True) as client:
        yield client


def _query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def _consent(m: FakeMastodon, url: str, *, approve: bool = True) -> dict[str, str]:
    """Act as the browser: open Envol's authorization URL, press Authorize (or Deny), read the redirect."""
    assert url.startswith(m.base_url)
    with httpx.Client(base_url=m.base_url, timeout=5) as browser:
        page = browser.get(url.removeprefix(m.base_url))
        assert page.status_code == 200, page.text
        decision = browser.post("/oauth/authorize", data=form_fields(page.text, 0 if approve else 1))
    assert decision.status_code == 302
    location = decision.headers["location"]
    assert location.startswith(REDIRECT)
    return _query(location)


def _sign_in(
    m: FakeMastodon, http: httpx.Client, written: str
) -> tuple[InstanceInfo, RegisteredApp, MastodonToken]:
    """The whole flow as the production caller will run it; returns what it would store."""
    info = discover(written, http, base_url=m.base_url)
    app = register_app(info, redirect_uri=REDIRECT, http=http, website="https://envol.example")
    state, pkce = new_state(), new_pkce()
    url = authorization_url(info, app, redirect_uri=REDIRECT, state=state, code_challenge=pkce.challenge)
    code = code_from_callback(_consent(m, url), expected_state=state)
    token = exchange_code(info, app, code=code, code_verifier=pkce.verifier, redirect_uri=REDIRECT, http=http)
    return info, app, token


def test_full_flow_with_pkce_then_revoke(fake_mastodon: FakeMastodonFactory, http: httpx.Client) -> None:
    m = fake_mastodon("mastodon.test", version="4.3.0")
    m.add_account("Alice", display_name="Alice A.", locked=True)
    m.login_as("Alice")

    info, app, token = _sign_in(m, http, "@Alice@Mastodon.Test")

    assert (info.domain, info.software, info.version, info.pkce) == (
        "mastodon.test",
        "mastodon",
        "4.3.0",
        True,
    )
    assert app.scopes == GRANULAR
    assert set(token.scope.split()) == set(GRANULAR.split())
    # The challenge really went out: the fake stored it, so the verifier was checked at /oauth/token.
    authorize = m.calls("GET", "/oauth/authorize")[-1]
    assert "code_challenge_method=S256" in authorize.query
    me = verify_credentials(info, token, http)
    assert me.actor_uri == "https://mastodon.test/users/Alice"
    assert me.acct == "alice@mastodon.test"  # the API says just "Alice" for a local account
    assert (me.username, me.display_name, me.locked, me.moved_to) == ("Alice", "Alice A.", True, None)
    assert me.url == "https://mastodon.test/@Alice"

    revoke(info, app, token, http)
    with pytest.raises(AuthExpired) as caught:
        verify_credentials(info, token, http)
    assert caught.value.status == 401
    assert "revoked" in caught.value.message


def test_legacy_server_falls_back_to_read_write(
    fake_mastodon: FakeMastodonFactory, http: httpx.Client
) -> None:
    # Mastodon 4.2 publishes no OAuth metadata, so the only way to learn the scopes is to be refused.
    m = fake_mastodon("old.test", version="4.2.0", known_scopes=LEGACY_SCOPES)
    m.add_account("bob")
    m.login_as("bob")

    info, app, token = _sign_in(m, http, "old.test")

    assert info.pkce is False
    assert app.scopes == "read write"
    assert [c.status for c in m.calls("POST", "/api/v1/apps")] == [422, 422, 200]
    assert "code_challenge" not in m.calls("GET", "/oauth/authorize")[-1].query
    assert verify_credentials(info, token, http).acct == "bob@old.test"


def test_middle_scope_choice(fake_mastodon: FakeMastodonFactory, http: httpx.Client) -> None:
    m = fake_mastodon("mid.test", version="4.2.0", known_scopes={"read", "write", "write:follows"})
    info = discover("mid.test", http, base_url=m.base_url)
    assert register_app(info, redirect_uri=REDIRECT, http=http).scopes == "read write:follows"


def test_advertised_scopes_skip_doomed_registrations(
    fake_mastodon: FakeMastodonFactory, http: httpx.Client
) -> None:
    m = fake_mastodon("new.test", version="4.4.0", known_scopes=LEGACY_SCOPES)
    info = discover("new.test", http, base_url=m.base_url)
    assert info.scopes_supported == LEGACY_SCOPES
    assert register_app(info, redirect_uri=REDIRECT, http=http).scopes == "read write"
    assert len(m.calls("POST", "/api/v1/apps")) == 1


@pytest.mark.parametrize(
    ("software", "version"),
    [
        ("mastodon", "4.4.0"),
        ("gotosocial", "0.17.3"),
        ("takahe", "0.11.0"),
        ("pleroma", "2.6.0"),
        ("akkoma", "3.13.2"),
    ],
)
def test_nodeinfo_tells_software_apart(
    fake_mastodon: FakeMastodonFactory, http: httpx.Client, software: str, version: str
) -> None:
    m = fake_mastodon("node.test", software=software, version=version)
    info = discover("https://Node.Test/", http, base_url=m.base_url)
    assert (info.software, info.version, info.domain) == (software, version, "node.test")
    assert info.speaks_mastodon_api
    assert info.pkce is (software == "mastodon")  # only Mastodon >= 4.3 publishes OAuth metadata
    if software == "pleroma":  # no /api/v2/instance: the handle domain came from v1
        assert [c.status for c in m.calls("GET", "/api/v")] == [404, 200]


@pytest.mark.parametrize(
    "written",
    [
        "mastodon.social",
        "MASTODON.Social",
        " https://Mastodon.Social/ ",
        "https://mastodon.social/@Gargron",
        "@Gargron@Mastodon.Social",
        "gargron@mastodon.social",
        "mastodon.social:443",
    ],
)
def test_instance_in_any_written_form(written: str) -> None:
    assert instance_domain(written) == "mastodon.social"


def test_subdomains_and_idn() -> None:
    assert instance_domain("@x@EU.Social.Example.co.uk") == "eu.social.example.co.uk"
    assert instance_domain("https://Bücher.de/") == "xn--bcher-kva.de"


@pytest.mark.parametrize("written", ["", "not an instance", "https://", "@@", "social.example", "localhost"])
def test_not_an_instance(written: str) -> None:
    with pytest.raises(Rejected):
        instance_domain(written)


def test_handle_domain_differs_from_web_domain(
    fake_mastodon: FakeMastodonFactory, http: httpx.Client
) -> None:
    m = fake_mastodon("example.test", web_domain="social.example.test")
    m.add_account("carol")
    m.login_as("carol")
    info, _, token = _sign_in(m, http, "carol@example.test")
    # The actors live on social.example.test, which is reached through the operator's mapping only
    # when the operator mapped it there too: the mapping is the operator's word that it is that server.
    with pytest.raises(ForeignIdentity):
        verify_credentials(info, token, http)
    both = InstanceMap({"example.test": m.base_url, "social.example.test": m.base_url})
    info = discover("carol@example.test", http, instances=both)
    me = verify_credentials(info, token, http, instances=both)
    assert me.acct == "carol@example.test"
    assert me.actor_uri == "https://social.example.test/users/carol"
    assert {"example.test", "social.example.test"} <= me.vouched_by


def test_moved_account(fake_mastodon: FakeMastodonFactory, http: httpx.Client) -> None:
    m = fake_mastodon("mastodon.test")
    fake_mastodon("new.test").add_account("dave")
    m.add_account("dave")
    m.move("dave", "Dave@New.Test")
    token = MastodonToken(m.issue_token("dave", "read:accounts"), "read:accounts")
    me = verify_credentials(discover("mastodon.test", http, base_url=m.base_url), token, http)
    assert me.moved_to == "dave@new.test"


def test_wrong_verifier_is_rejected(fake_mastodon: FakeMastodonFactory, http: httpx.Client) -> None:
    m = fake_mastodon("mastodon.test")
    m.add_account("alice")
    m.login_as("alice")
    info = discover("mastodon.test", http, base_url=m.base_url)
    app = register_app(info, redirect_uri=REDIRECT, http=http)
    state, pkce = new_state(), new_pkce()
    url = authorization_url(info, app, redirect_uri=REDIRECT, state=state, code_challenge=pkce.challenge)
    code = code_from_callback(_consent(m, url), expected_state=state)
    with pytest.raises(Rejected) as caught:
        exchange_code(
            info, app, code=code, code_verifier=new_pkce().verifier, redirect_uri=REDIRECT, http=http
        )
    assert caught.value.status == 400
    assert "invalid_grant" in caught.value.message
    assert m.calls("POST", "/oauth/token")[-1].status == 400


def test_denied_or_forged_callback(fake_mastodon: FakeMastodonFactory, http: httpx.Client) -> None:
    m = fake_mastodon("mastodon.test")
    m.add_account("alice")
    m.login_as("alice")
    info = discover("mastodon.test", http, base_url=m.base_url)
    app = register_app(info, redirect_uri=REDIRECT, http=http)
    state = new_state()
    url = authorization_url(
        info, app, redirect_uri=REDIRECT, state=state, code_challenge=new_pkce().challenge
    )
    denied = _consent(m, url, approve=False)
    with pytest.raises(Rejected, match="access_denied"):
        code_from_callback(denied, expected_state=state)
    with pytest.raises(Rejected, match="state mismatch"):
        code_from_callback({"code": "abc", "state": "someone-else"}, expected_state=state)
    assert code_from_callback({"code": "abc", "state": state}, expected_state=state) == "abc"


def test_rate_limited_carries_reset(
    fake_mastodon: FakeMastodonFactory, mastodon_clock: FakeClock, http: httpx.Client
) -> None:
    # A reset earlier than the real clock is brought forward to now (clock skew), so the fake's day
    # is tomorrow at 10:00: the header's own value must come through unchanged.
    tomorrow = datetime.now(UTC).date() + timedelta(days=1)
    mastodon_clock.set(datetime(tomorrow.year, tomorrow.month, tomorrow.day, 10, 0, tzinfo=UTC))
    m = fake_mastodon("mastodon.test", limits=Limits(per_token=Throttle("throttle_per_token_api", 1, 300)))
    m.add_account("alice")
    info = discover("mastodon.test", http, base_url=m.base_url)
    token = MastodonToken(m.issue_token("alice", "read:accounts"), "read:accounts")
    verify_credentials(info, token, http)
    with pytest.raises(RateLimited) as caught:
        verify_credentials(info, token, http)
    # The 5-minute window is aligned to the epoch.
    assert caught.value.retry_at == datetime(tomorrow.year, tomorrow.month, tomorrow.day, 10, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("scopes", "user", "error", "status"),
    [
        # Outside the authorized scopes: a grant with other scopes is needed (issue #18, item 1).
        ("read:follows", "alice", OutOfScope, 403),
        ("read", None, Rejected, 422),  # app-only token on a user method
    ],
)
def test_refusals(
    fake_mastodon: FakeMastodonFactory,
    http: httpx.Client,
    scopes: str,
    user: str | None,
    error: type[Exception],
    status: int,
) -> None:
    m = fake_mastodon("mastodon.test")
    m.add_account("alice")
    info = discover("mastodon.test", http, base_url=m.base_url)
    with pytest.raises(error) as caught:
        verify_credentials(info, MastodonToken(m.issue_token(user, scopes), scopes), http)
    assert getattr(caught.value, "status", None) == status


def test_deleted_account_token_and_unknown_route(
    fake_mastodon: FakeMastodonFactory, http: httpx.Client
) -> None:
    m = fake_mastodon("mastodon.test", version="4.2.0")
    m.add_account("alice")
    info = discover("mastodon.test", http, base_url=m.base_url)
    token = MastodonToken(m.issue_token("alice", "read"), "read")
    m.delete_account("alice")
    with pytest.raises(AuthExpired):
        verify_credentials(info, token, http)
    # Nothing answers under this prefix: an unknown route is 404, which the caller sees as NotFound.
    with pytest.raises(NotFound):
        discover("mastodon.test", http, base_url=f"{m.base_url}/nowhere")


@pytest.mark.parametrize("fault", [{"status": 502}, {"status": 503}, {"disconnect": True}])
def test_server_faults_are_transient(
    fake_mastodon: FakeMastodonFactory, http: httpx.Client, fault: dict[str, object]
) -> None:
    m = fake_mastodon("mastodon.test")
    info = discover("mastodon.test", http, base_url=m.base_url)
    m.fail_next(1, path="/api/v1/apps", **fault)  # type: ignore[arg-type]
    with pytest.raises(Transient):
        register_app(info, redirect_uri=REDIRECT, http=http)
    # The fault was one-off: the same call succeeds afterwards, as the engine's retry would.
    assert register_app(info, redirect_uri=REDIRECT, http=http).scopes == GRANULAR


def test_unreachable_instance_is_transient(http: httpx.Client) -> None:
    with pytest.raises(Transient):
        discover("mastodon.test", http, base_url="http://127.0.0.1:9")


def test_through_the_ssrf_safe_client(
    fake_mastodon: FakeMastodonFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The production client satisfies HttpClient: the whole flow runs through SafeHttp."""
    m = fake_mastodon("mastodon.test")
    m.add_account("alice")
    m.login_as("alice")
    with SafeHttp() as safe:
        monkeypatch.setenv("ENVOL_ALLOW_PRIVATE_HOSTS", "0")
        with pytest.raises(UnsafeHost):  # loopback is refused unless the operator allows it
            discover("mastodon.test", safe, base_url=m.base_url)
        monkeypatch.setenv("ENVOL_ALLOW_PRIVATE_HOSTS", "1")
        info, app, token = _sign_in(m, safe, "mastodon.test")
        assert verify_credentials(info, token, safe).acct == "alice@mastodon.test"
        revoke(info, app, token, safe)
        with pytest.raises(AuthExpired):
            verify_credentials(info, token, safe)
