"""A real local AT Protocol network (PLC + PDS, optionally the AppView) for tests.

The servers are the reference implementation from the npm registry (``@atproto/dev-env``), run by
``tools/bsky-local/bsky-local.mjs`` under a pinned Node 22 and bound to 127.0.0.1 only. This
module starts that launcher, reads the one JSON line it prints when ready and stops it again.
The pytest fixtures built on it live in ``support.atproto_plugin``; docs/testing-atproto.md tells
how to use them.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import queue
import re
import signal
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import httpx

REPO = Path(__file__).resolve().parents[2]
# BSKY_LOCAL_DIR lets CI or a developer point at a harness elsewhere (e.g. a shared install).
HARNESS_DIR = Path(os.environ.get("BSKY_LOCAL_DIR", REPO / "tools" / "bsky-local"))
START_TIMEOUT_S = float(os.environ.get("BSKY_LOCAL_START_TIMEOUT", "120"))
STOP_TIMEOUT_S = 20.0
DEFAULT_ACCOUNTS = ("alice", "bob", "carol", "dave")
DEFAULT_PASSWORD = "password"
HANDLE_SUFFIX = ".test"
# The PDS refuses a first label shorter than 3 characters ("Handle too short"); check it here so
# the error names the culprit.
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")

NOT_INSTALLED_MESSAGE = (
    "The local AT Protocol network (tools/bsky-local) is not installed or is out of date with its "
    "lock files. Run `make bsky-local-install` (`make test` does it), or "
    "`tools/bsky-local/bsky-local.sh install` (about 1.5 min: Node 22 + @atproto/dev-env from the "
    "npm registry, better-sqlite3 compiled locally). See docs/testing-atproto.md."
)


class HarnessNotInstalledError(RuntimeError):
    """The Node harness is missing: the suite must fail loudly, never skip."""


class NetworkStartError(RuntimeError):
    """The launcher died or did not become ready in time."""


def _check_name(name: str) -> None:
    if not _NAME_RE.fullmatch(name):
        raise ValueError(
            f"account name {name!r}: need at least 3 characters of [a-z0-9-] (the handle is "
            f"{name}{HANDLE_SUFFIX})"
        )


@dataclass(frozen=True, slots=True)
class TestAccount:
    """An account on the local PDS, logged in once at creation."""

    # A Test* class imported into a test module would otherwise be collected by pytest.
    __test__: ClassVar[bool] = False

    handle: str
    did: str
    password: str
    app_password: str
    # Valid for 2 hours (the PDS's access-token lifetime): refresh or log in again in longer runs.
    access_jwt: str
    refresh_jwt: str

    @property
    def name(self) -> str:
        return self.handle.removesuffix(HANDLE_SUFFIX)

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_jwt}"}

    @classmethod
    def from_launcher(cls, data: dict[str, Any]) -> TestAccount:
        return cls(
            handle=data["handle"],
            did=data["did"],
            password=data["password"],
            app_password=data["appPassword"],
            access_jwt=data["accessJwt"],
            refresh_jwt=data["refreshJwt"],
        )


@dataclass(slots=True)
class AtprotoNetwork:
    """A running local network, as the launcher reported it."""

    pds_url: str
    plc_url: str
    appview_url: str | None
    pds_did: str
    admin_password: str
    rate_limits: bool
    pid: int
    accounts: dict[str, TestAccount]
    startup_ms: dict[str, int] = field(default_factory=dict)
    rss_mb: int = 0
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    def account(self, name_or_handle: str) -> TestAccount:
        """An account by name (``alice``) or handle (``alice.test``)."""
        handle = name_or_handle if name_or_handle.endswith(HANDLE_SUFFIX) else name_or_handle + HANDLE_SUFFIX
        return self.accounts[handle]

    def xrpc_url(self, nsid: str) -> str:
        return f"{self.pds_url}/xrpc/{nsid}"

    def admin_auth(self) -> httpx.BasicAuth:
        """HTTP Basic credentials for the PDS admin API (``com.atproto.admin.*``)."""
        return httpx.BasicAuth("admin", self.admin_password)

    def create_account(
        self, name: str | None = None, *, password: str = DEFAULT_PASSWORD, app_password: bool = True
    ) -> TestAccount:
        """Create a fresh account on the PDS (and an app password), register and return it.

        Without a name a unique one is made, so tests that write records can each own a clean repo
        on the shared session network. The dev PDS requires no invite code, so this is the public
        ``com.atproto.server.createAccount``: exactly what a real user's sign-up does. With rate
        limits on it counts towards the 100-per-5-minutes createAccount limit.
        """
        name = name or f"u{uuid.uuid4().hex[:12]}"
        _check_name(name)
        handle = name + HANDLE_SUFFIX
        with httpx.Client(base_url=self.pds_url, timeout=30) as client:
            r = client.post(
                "/xrpc/com.atproto.server.createAccount",
                json={"handle": handle, "email": f"{name}@example.com", "password": password},
            )
            r.raise_for_status()
            session = r.json()
            app_pw = ""
            if app_password:
                r = client.post(
                    "/xrpc/com.atproto.server.createAppPassword",
                    json={"name": "envol-tests"},
                    headers={"Authorization": f"Bearer {session['accessJwt']}"},
                )
                r.raise_for_status()
                app_pw = r.json()["password"]
        account = TestAccount(
            handle=handle,
            did=session["did"],
            password=password,
            app_password=app_pw,
            access_jwt=session["accessJwt"],
            refresh_jwt=session["refreshJwt"],
        )
        self.accounts[handle] = account
        return account

    @classmethod
    def from_launcher(cls, data: dict[str, Any]) -> AtprotoNetwork:
        accounts = [TestAccount.from_launcher(a) for a in data["accounts"]]
        return cls(
            pds_url=data["pdsUrl"],
            plc_url=data["plcUrl"],
            appview_url=data.get("appviewUrl"),
            pds_did=data["pdsDid"],
            admin_password=data["adminPassword"],
            rate_limits=bool(data["rateLimits"]),
            pid=int(data["pid"]),
            accounts={a.handle: a for a in accounts},
            startup_ms=dict(data.get("startupMs") or {}),
            rss_mb=int(data.get("rssMB") or 0),
            raw=data,
        )


def harness_script(harness_dir: Path = HARNESS_DIR) -> Path:
    return harness_dir / "bsky-local.sh"


def ensure_installed(harness_dir: Path = HARNESS_DIR) -> None:
    """Raise HarnessNotInstalledError unless `bsky-local.sh check` passes (a few ms: stamp compare)."""
    script = harness_script(harness_dir)
    if not script.is_file():
        raise HarnessNotInstalledError(f"{script} does not exist. {NOT_INSTALLED_MESSAGE}")
    result = subprocess.run(["bash", str(script), "check"], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise HarnessNotInstalledError(f"{NOT_INSTALLED_MESSAGE}\n{result.stderr.strip()}")


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _stop(proc: subprocess.Popen[str]) -> None:
    """SIGTERM our own launcher by its pid (it closes the servers and deletes its data), then SIGKILL."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        proc.wait(timeout=5)


@contextlib.contextmanager
def start_network(
    accounts: tuple[str, ...] | list[str] = DEFAULT_ACCOUNTS,
    *,
    password: str = DEFAULT_PASSWORD,
    rate_limits: bool = False,
    appview: bool = False,
    pg_url: str | None = None,
    redis_host: str | None = None,
    log_path: Path | None = None,
    harness_dir: Path = HARNESS_DIR,
    start_timeout: float = START_TIMEOUT_S,
) -> Iterator[AtprotoNetwork]:
    """Start a network on free loopback ports, yield it, and always stop it.

    Ports are chosen inside the launcher by dev-env, which reserves them in a lock directory shared
    by every dev-env process on the machine, so parallel test runs never collide.
    """
    for name in accounts:
        _check_name(name)
    ensure_installed(harness_dir)

    if log_path is None:
        log_path = Path(tempfile.mkdtemp(prefix="bsky-local-log-")) / "bsky-local.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    cmd = [
        "bash",
        str(harness_script(harness_dir)),
        "run",  # exec's node: the pid we hold is the launcher's own
        "--exit-with-parent",  # if this Python process is SIGKILLed, the launcher leaves too
        "--accounts",
        ",".join(accounts),
        "--password",
        password,
    ]
    if rate_limits:
        cmd.append("--rate-limits")
    if appview:
        cmd.append("--appview")
        if pg_url:
            cmd += ["--pg-url", pg_url]
        if redis_host:
            cmd += ["--redis-host", redis_host]

    with log_path.open("w") as log:
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
            # Its own session: a Ctrl-C in the terminal reaches pytest, whose teardown then stops
            # the network in order, instead of killing node mid-start.
            start_new_session=True,
        )
    _LIVE.add(proc)
    try:
        data = _read_ready_line(proc, log_path, start_timeout)
        yield AtprotoNetwork.from_launcher(data)
    finally:
        _stop(proc)
        _LIVE.discard(proc)


# Networks started and not yet stopped (several may be up at once: session, rate-limited, AppView).
_LIVE: set[subprocess.Popen[str]] = set()


@atexit.register
def _stop_all() -> None:
    # Last line of defence when a start_network() block was never closed (e.g. a generator left
    # suspended at exit); after a SIGKILL of Python, the launcher's --exit-with-parent watch does it.
    for proc in list(_LIVE):
        _stop(proc)


def _read_ready_line(proc: subprocess.Popen[str], log_path: Path, timeout: float) -> dict[str, Any]:
    assert proc.stdout is not None
    lines: queue.Queue[str] = queue.Queue()
    stdout = proc.stdout

    # readline() blocks with no timeout; a daemon thread lets us enforce one.
    def pump() -> None:
        for line in stdout:
            lines.put(line)
        lines.put("")

    threading.Thread(target=pump, name=f"bsky-local-{proc.pid}", daemon=True).start()
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise NetworkStartError(
                f"the AT Protocol network was not ready after {timeout:.0f} s; log {log_path}:\n"
                + _tail(log_path)
            )
        try:
            line = lines.get(timeout=min(remaining, 0.5))
        except queue.Empty:
            continue
        if line == "":
            proc.wait(timeout=5)
            raise NetworkStartError(
                f"the AT Protocol launcher exited with {proc.returncode} before it was ready; "
                f"log {log_path}:\n" + _tail(log_path)
            )
        line = line.strip()
        if line.startswith("{"):
            return dict(json.loads(line))
