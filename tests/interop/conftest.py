"""Fixtures for interop tests against an independent ActivityPub peer (Fedify) on loopback.

The environment is prepared by ``.ci/interop-setup`` in ``<repo>/.interop/``; when it is absent every
test using these fixtures is skipped with the reason (never silently passed).

* ``interop_env`` (session): paths plus SSL helpers (client context trusting the test CA, server
  context for ``circlefed.test`` etc., environment variables for subprocesses).
* ``start_fedify_peer`` (module): factory starting ``node peer.mjs`` for a domain/address; each peer
  is stopped when the module's tests are done.
* ``fedify_peer`` (module): the usual peer, ``https://peer.test`` on 127.0.0.3:443.

Test modules mark themselves with ``pytestmark = pytest.mark.interop``.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import ssl
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
INTEROP_DIR = REPO_ROOT / ".interop"
ARTIFACTS_DIR = REPO_ROOT / "test-artifacts" / "interop"

# the names .ci/interop-setup puts into /etc/hosts
TEST_HOSTS = {
    "circlefed.test": "127.0.0.2",
    "peer.test": "127.0.0.3",
    "circlefed2.test": "127.0.0.4",
    "peer2.test": "127.0.0.7",
}
PEER_START_TIMEOUT = 30.0
LOG_TAIL_LINES = 60

# peers currently running (for attaching their log tails to failing tests' reports)
_RUNNING: set[FedifyPeer] = set()

# urllib must never send test traffic through a proxy that the environment might configure
_NO_PROXY = urllib.request.ProxyHandler({})


@dataclass(frozen=True)
class InteropEnv:
    root: Path
    node: Path
    peer_dir: Path
    tls_dir: Path
    ca_cert: Path
    bundle: Path  # system CAs + test CA: for SSL_CERT_FILE / REQUESTS_CA_BUNDLE (they replace the store)

    def client_ssl_context(self) -> ssl.SSLContext:
        """A client context trusting only the test CA (every test host's certificate chains to it)."""
        return ssl.create_default_context(cafile=str(self.ca_cert))

    def cert_paths(self, host: str) -> tuple[Path, Path]:
        """(fullchain certificate, key) for a test host such as ``circlefed.test``."""
        return self.tls_dir / f"{host}.fullchain.crt", self.tls_dir / f"{host}.key"

    def server_ssl_context(self, host: str = "circlefed.test") -> ssl.SSLContext:
        """A server context presenting ``tls/<host>.fullchain.crt`` (e.g. for aiohttp's ``ssl_context``)."""
        cert, key = self.cert_paths(host)
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(str(cert), str(key))
        return ctx

    def subprocess_env(self, **extra: str) -> dict[str, str]:
        """os.environ with the CA variables *overridden* (the machine presets them to the system store)."""
        env = dict(os.environ)
        env.update(
            SSL_CERT_FILE=str(self.bundle),
            REQUESTS_CA_BUNDLE=str(self.bundle),
            NODE_EXTRA_CA_CERTS=str(self.ca_cert),
        )
        for var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
            env.pop(var, None)
        env.update(extra)
        return env

    def fedify_tool(
        self, command: str, target: str, *flags: str, timeout: float = 60
    ) -> subprocess.CompletedProcess[str]:
        """Run ``fedify-tools.mjs lookup|webfinger|nodeinfo TARGET`` (discovery as Fedify sees it)."""
        return subprocess.run(
            [str(self.node), "fedify-tools.mjs", command, target, *flags],
            cwd=self.peer_dir,
            env=self.subprocess_env(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )


def _missing_parts(root: Path) -> list[str]:
    missing = []
    if not (root / "node24" / "node").exists():
        missing.append("no .interop/node24/node")
    if not (root / "fedify-peer" / "node_modules").is_dir():
        missing.append("no fedify-peer/node_modules")
    tls = root / "tls"
    needed = ["ca.crt", "bundle.crt"] + [f"{h}{s}" for h in TEST_HOSTS for s in (".key", ".fullchain.crt")]
    absent = [n for n in needed if not (tls / n).exists()]
    if absent:
        missing.append(f"no tls/{absent[0]}" + (f" (+{len(absent) - 1} more)" if len(absent) > 1 else ""))
    for host, addr in TEST_HOSTS.items():
        try:
            got = socket.gethostbyname(host)
        except OSError:
            missing.append(f"{host} does not resolve")
            continue
        if got != addr:
            missing.append(f"{host} resolves to {got}, not {addr}")
    return missing


@pytest.fixture(scope="session")
def interop_env() -> InteropEnv:
    root = INTEROP_DIR
    missing = ["no .interop/ directory"] if not root.is_dir() else _missing_parts(root)
    if missing:
        pytest.skip(f"interop environment absent: run .ci/interop-setup ({'; '.join(missing)})")
    tls = root / "tls"
    return InteropEnv(
        root=root,
        node=root / "node24" / "node",
        peer_dir=root / "fedify-peer",
        tls_dir=tls,
        ca_cert=tls / "ca.crt",
        bundle=tls / "bundle.crt",
    )


class HttpError(AssertionError):
    def __init__(self, status: int, url: str, body: str):
        super().__init__(f"HTTP {status} from {url}: {body[:2000]}")
        self.status, self.url, self.body = status, url, body


@dataclass
class HttpResult:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def http_request(
    ctx: ssl.SSLContext,
    method: str,
    url: str,
    *,
    headers: dict[str, str] | None = None,
    data: bytes | None = None,
    timeout: float = 30,
) -> HttpResult:
    """Plain urllib request over TLS with ``ctx``; returns 4xx/5xx answers too instead of raising.

    Connection and TLS errors still raise (``urllib.error.URLError`` / ``ssl.SSLError``)."""
    opener = urllib.request.build_opener(_NO_PROXY, urllib.request.HTTPSHandler(context=ctx))
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with opener.open(req, timeout=timeout) as resp:
            return HttpResult(resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read())
    except urllib.error.HTTPError as e:
        return HttpResult(e.code, {k.lower(): v for k, v in e.headers.items()}, e.read())


@dataclass(eq=False)
class FedifyPeer:
    """A running ``peer.mjs``; the admin API is plain HTTPS on the peer's own host."""

    env: InteropEnv
    domain: str
    bind: str
    log_path: Path
    proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def base_url(self) -> str:
        return f"https://{self.domain}"

    @property
    def acct(self) -> str:
        return f"acct:bob@{self.domain}"

    @property
    def actor_url(self) -> str:
        return f"{self.base_url}/users/bob"

    # ---- HTTP helpers (sync, urllib, trusting the test CA)
    def request(self, method: str, path_or_url: str, **kw: Any) -> HttpResult:
        url = path_or_url if "://" in path_or_url else self.base_url + path_or_url
        return http_request(self.env.client_ssl_context(), method, url, **kw)

    def get_json(
        self, path_or_url: str, accept: str = "application/activity+json", timeout: float = 30
    ) -> Any:
        r = self.request("GET", path_or_url, headers={"Accept": accept}, timeout=timeout)
        if r.status != 200:
            raise HttpError(r.status, path_or_url, r.body.decode(errors="replace"))
        return r.json()

    def admin_post(self, path: str, timeout: float = 60, **params: str) -> Any:
        """``POST /_admin/<path>?k=v…``, e.g. ``admin_post("follow", target="acct:lobby@circlefed.test")``.

        Returns the JSON answer; raises HttpError (with the peer's message) on a non-200 status.
        """
        path = path if path.startswith("/") else f"/_admin/{path}"
        url = self.base_url + path + ("?" + urllib.parse.urlencode(params) if params else "")
        r = self.request("POST", url, data=b"", timeout=timeout)
        if r.status != 200:
            raise HttpError(
                r.status, url, r.body.decode(errors="replace") + "\n--- peer log tail ---\n" + self.log_tail()
            )
        return r.json()

    def admin_log(self) -> dict[str, Any]:
        """``GET /_admin/log``.

        ``{"received": [verified activities], "inbox_requests": [{path, scheme, status}],
        "followers": [...]}``
        """
        return self.get_json("/_admin/log", accept="application/json")

    def wait_for_log(self, predicate, timeout: float = 20, interval: float = 0.25) -> dict[str, Any]:
        """Poll ``admin_log()`` until ``predicate(log)`` is truthy; returns that log or fails with it."""
        deadline = time.monotonic() + timeout
        while True:
            log = self.admin_log()
            if predicate(log):
                return log
            if time.monotonic() > deadline:
                pytest.fail(
                    f"peer log never matched within {timeout}s: {json.dumps(log)[:4000]}\n{self.log_tail()}"
                )
            time.sleep(interval)

    # ---- process management
    def log_tail(self, lines: int = LOG_TAIL_LINES) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no peer log)"
        return "\n".join(text.splitlines()[-lines:])

    def start(self, first_knock: str | None = None, timeout: float = PEER_START_TIMEOUT) -> None:
        # a leftover server on our address would answer the readiness probe in place of our process
        try:
            socket.create_connection((self.bind, 443), timeout=1).close()
        except OSError:
            pass
        else:
            pytest.fail(
                f"{self.bind}:443 is already in use (a leftover peer or server?); cannot start {self.domain}"
            )
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        extra = {"PEER_DOMAIN": self.domain, "PEER_BIND": self.bind, "TLS_DIR": str(self.env.tls_dir)}
        if first_knock:
            extra["FIRST_KNOCK"] = first_knock
        with open(self.log_path, "ab") as logf:
            logf.write(f"=== starting peer {self.domain} on {self.bind}:443 at {time.ctime()}\n".encode())
            logf.flush()
            self.proc = subprocess.Popen(
                [str(self.env.node), "peer.mjs"],
                cwd=self.env.peer_dir,
                env=self.env.subprocess_env(**extra),
                stdin=subprocess.DEVNULL,
                stdout=logf,
                stderr=subprocess.STDOUT,
            )
        _RUNNING.add(self)
        self._wait_ready(timeout)

    def _wait_ready(self, timeout: float) -> None:
        url = f"/.well-known/webfinger?resource={self.acct}"
        deadline = time.monotonic() + timeout
        last = "no attempt"
        while time.monotonic() < deadline:
            assert self.proc is not None
            rc = self.proc.poll()
            if rc is not None:
                self.proc = None
                _RUNNING.discard(self)
                pytest.fail(
                    f"fedify peer {self.domain} exited with status {rc} during start:\n{self.log_tail()}"
                )
            try:
                r = self.request("GET", url, headers={"Accept": "application/jrd+json"}, timeout=2)
                if r.status == 200:
                    return
                last = f"HTTP {r.status}"
            except (OSError, ssl.SSLError) as e:
                last = repr(e)
            time.sleep(0.2)
        self.stop()
        pytest.fail(
            f"fedify peer {self.domain} not ready after {timeout}s (last: {last}):\n{self.log_tail()}"
        )

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        _RUNNING.discard(self)
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def _log_name(request: pytest.FixtureRequest, domain: str) -> Path:
    mod = request.node.name.removesuffix(".py") if request.node else "session"
    return ARTIFACTS_DIR / f"peer-{domain}-{mod}.log"


@pytest.fixture(scope="module")
def start_fedify_peer(interop_env: InteropEnv, request: pytest.FixtureRequest) -> Iterator[Any]:
    """Factory: ``start_fedify_peer(domain="peer2.test", bind="127.0.0.7", first_knock=None)`` -> FedifyPeer.

    Each peer gets its own log under ``test-artifacts/interop/`` and is stopped after the module.
    """
    started: list[FedifyPeer] = []

    def start(
        domain: str = "peer.test", bind: str | None = None, first_knock: str | None = None
    ) -> FedifyPeer:
        peer = FedifyPeer(interop_env, domain, bind or TEST_HOSTS[domain], _log_name(request, domain))
        started.append(peer)
        peer.start(first_knock=first_knock)
        return peer

    yield start
    for peer in reversed(started):
        peer.stop()


@pytest.fixture(scope="module")
def fedify_peer(start_fedify_peer) -> FedifyPeer:
    """Bob's Fedify server at https://peer.test (127.0.0.3:443), verified TLS against the test CA."""
    return start_fedify_peer("peer.test")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> pytest.TestReport:
    """On a failing interop test, attach the tail of each running peer's log to the report."""
    rep: pytest.TestReport = yield
    if rep.failed:
        for peer in sorted(_RUNNING, key=lambda p: p.domain):
            rep.sections.append((f"fedify peer {peer.domain} log tail ({peer.log_path})", peer.log_tail()))
    return rep
