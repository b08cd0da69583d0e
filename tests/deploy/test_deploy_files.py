"""The deploy files (deploy/) as an administrator installs them: the systemd units pass `systemd-analyze verify`
and keep their hardening; the nginx site passes `nginx -t` and, run for real in front of a circlefed instance
on loopback with TLS, serves pages, keeps /metrics and /healthz inside, refuses bodies over web.max_body_bytes,
sends plain HTTP to HTTPS, serves the static files itself, and passes each client's address on, so that
sign-in limits count people, not the proxy. `.ci/run` installs nginx; CIRCLEFED_TEST_OPT_OUT=deploy leaves
these out."""

from __future__ import annotations

import re
import shutil
import ssl
import subprocess
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from circlefed.app import create_app
from circlefed.storage.db import activated
from circlefed.web.keys import DATABASE, SITE
from tests.conftest import settings_for
from tests.factories import PASSWORD, member_account
from tests.fakes.remote import reserved_socket

from .nginx_lab import NginxLab, tool

REPO = Path(__file__).resolve().parents[2]
UNITS = ("circlefed-web.service", "circlefed-worker.service")
HARDENING = (
    "User=circlefed", "NoNewPrivileges=yes", "PrivateTmp=yes", "ProtectSystem=strict", "ProtectHome=yes",
    "ReadWritePaths=/var/lib/circlefed", "Restart=on-failure", "CapabilityBoundingSet=",
)


@pytest.mark.parametrize("unit", UNITS)
def test_the_systemd_units_verify_and_keep_their_hardening(unit, tmp_path):
    analyze = tool("systemd-analyze")
    text = (REPO / "deploy" / "systemd" / unit).read_text()
    assert all(line in text.splitlines() for line in HARDENING), f"{unit} lost a hardening line"
    circlefed = shutil.which("circlefed") or str(Path(REPO / ".venv" / "bin" / "circlefed"))
    installed = tmp_path / unit  # as installed, with the program where this machine has it
    installed.write_text(text.replace("/opt/circlefed/venv/bin/circlefed", circlefed))
    result = subprocess.run([analyze, "verify", str(installed)], capture_output=True, text=True, timeout=60)
    problems = [line for line in result.stderr.splitlines() if "ignoring" in line or unit in line]
    assert result.returncode == 0 and not problems, result.stderr


def test_the_nginx_site_passes_nginx_t(tmp_path):
    lab = NginxLab(tmp_path, upstream_port=8080)
    result = lab.check()
    assert result.returncode == 0 and "syntax is ok" in result.stderr, result.stderr


@pytest.fixture
async def proxied(tmp_path, database_templates):
    """A circlefed instance (https://clinic.example, trusting the proxy on 127.0.0.1) behind the real site."""
    database = tmp_path / "db.sqlite3"
    shutil.copyfile(database_templates["sqlite"], database)
    settings = settings_for(
        f"sqlite://{database}", base_url="https://clinic.example",
        web={"trusted_proxies": ("127.0.0.1",), "run_worker": False},
    )
    app = create_app(settings)
    sock = reserved_socket()
    server = TestServer(app, host="127.0.0.1", port=sock.getsockname()[1])
    sock.close()
    await server.start_server()
    with activated(app[DATABASE]):
        await member_account(app[SITE], "robin")
    lab = NginxLab(tmp_path, upstream_port=server.port)
    lab.start()
    try:
        yield lab
    finally:
        lab.stop()
        await server.close()


def browser(lab: NginxLab, address: str) -> aiohttp.ClientSession:
    """A client on its own loopback address, reaching clinic.example at the proxy."""
    context = ssl.create_default_context(cafile=str(lab.certificate))
    connector = aiohttp.TCPConnector(ssl=context, local_addr=(address, 0), resolver=lab.resolver())
    return aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.CookieJar())


async def sign_in(session: aiohttp.ClientSession, lab: NginxLab, username: str, password: str) -> int:
    async with session.get(f"{lab.https}/login") as page:
        token = re.search(r'name="csrf_token" value="([^"]+)"', await page.text()).group(1)
    form = {"csrf_token": token, "username": username, "password": password}
    async with session.post(f"{lab.https}/login", data=form, allow_redirects=False) as answer:
        return answer.status


async def test_behind_the_real_site_pages_flow_and_the_inside_stays_inside(proxied):
    lab = proxied
    async with browser(lab, "127.0.0.2") as session:
        async with session.get(f"{lab.https}/") as home:
            assert home.status == 200 and "circlefed" in await home.text()
            assert home.headers["Strict-Transport-Security"].startswith("max-age=")  # circlefed's own headers
        for inside in ("/metrics", "/healthz"):
            async with session.get(f"{lab.https}{inside}") as answer:
                assert answer.status == 404, inside
        async with session.post(f"{lab.https}/inbox", data=b"x" * 1_100_000) as too_big:
            assert too_big.status == 413
        async with session.get(f"{lab.http}/circles", allow_redirects=False) as plain:
            assert plain.status == 301 and plain.headers["Location"] == "https://clinic.example/circles"
        stylesheet = next(name for name in lab.static.iterdir() if name.suffix == ".css")
        async with session.get(f"{lab.https}/static/{stylesheet.name}") as css:
            assert css.status == 200 and css.headers.getall("Cache-Control") == ["public, max-age=604800"]
            assert await css.read() == stylesheet.read_bytes()
    assert f"/static/{stylesheet.name}" not in lab.upstream_paths(), "static files come from disk, not circlefed"


async def test_behind_the_real_site_one_guesser_does_not_lock_everyone_out(proxied):
    lab = proxied
    async with browser(lab, "127.0.0.2") as guesser:
        for number in range(30):
            assert await sign_in(guesser, lab, f"user{number}", "wrong password") == 400
        assert await sign_in(guesser, lab, "robin", PASSWORD) == 429
    async with browser(lab, "127.0.0.3") as robin:
        assert await sign_in(robin, lab, "robin", PASSWORD) == 303
