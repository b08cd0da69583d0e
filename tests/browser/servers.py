"""Browser tests: real `circlefed serve` processes on loopback ports, each with its own SQLite database."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from circlefed.cli.common import database, site_for
from circlefed.domain import accounts
from circlefed.settings import load_settings
from tests.fakes.remote import free_port

START_TIMEOUT = 30.0  # seconds for a server to answer /healthz
CLI_TIMEOUT = 120.0
# Two servers on 127.0.0.1 federate over plain http: the SSRF guard must let loopback through.
LAB_FEDERATION = {"allow_http": True, "private_address_allowlist": ["127.0.0.1"]}


class ServerError(RuntimeError):
    """A test server did not set up, start or stop as expected; the message carries its log."""


@dataclass
class Server:
    """A running instance: its URL, working directory (circlefed.toml, database, log) and first admin."""

    name: str
    base_url: str
    workdir: Path
    admin_name: str
    admin_password: str
    process: subprocess.Popen | None = None

    @property
    def domain(self) -> str:
        return self.base_url.split("://", 1)[1]

    @property
    def log_path(self) -> Path:
        return self.workdir / "server.log"

    def url(self, path: str = "/") -> str:
        return self.base_url + path

    def cli(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
        """Run a `circlefed` command against this instance (its circlefed.toml); ServerError if it fails."""
        return run_cli(self.workdir, *args, stdin=stdin)

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""


def _clean_env() -> dict[str, str]:
    # The server reads only its circlefed.toml: no CIRCLEFED_* override of the developer's shell leaks in.
    return {k: v for k, v in os.environ.items() if not k.startswith("CIRCLEFED_")}


def run_cli(workdir: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [sys.executable, "-m", "circlefed", *args], cwd=workdir, env=_clean_env(), input=stdin,
        capture_output=True, text=True, timeout=CLI_TIMEOUT,
    )
    if done.returncode != 0:
        raise ServerError(f"`circlefed {' '.join(args)}` exited {done.returncode}:\n{done.stdout}{done.stderr}")
    return done


def write_config(workdir: Path, *, port: int, name: str, database: Path, **sections: dict) -> None:
    config = {
        "instance": {"base_url": f"http://127.0.0.1:{port}", "name": name},
        "database": {"url": f"sqlite://{database}"},
        "web": {"host": "127.0.0.1", "port": port},
        "federation": dict(LAB_FEDERATION),
        "delivery": {"poll_interval": 0.2},  # deliveries between two test servers go out promptly
        "logging": {"level": "INFO"},
    }
    for section, values in sections.items():
        config.setdefault(section, {}).update(values)
    (workdir / "circlefed.toml").write_text(_toml(config), encoding="utf-8")


def _toml(config: dict[str, dict]) -> str:
    # JSON scalars and lists of strings are valid TOML values.
    lines = []
    for section, values in config.items():
        lines.append(f"[{section}]")
        lines.extend(f"{key} = {json.dumps(value)}" for key, value in values.items())
        lines.append("")
    return "\n".join(lines)


def migrated_template(workdir: Path) -> Path:
    """A migrated, empty SQLite database to copy for every server (saves each one the migrations)."""
    database = workdir / "template.sqlite3"
    write_config(workdir, port=free_port(), name="template", database=database)
    run_cli(workdir, "migrate")
    return database


def set_up(workdir: Path, name: str, template: Path | None = None, **sections: dict) -> Server:
    """Configure an instance in `workdir` and run `circlefed setup` (first admin, the welcome circle)."""
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    database = workdir / "circlefed.sqlite3"
    if template is not None:
        shutil.copyfile(template, database)
    write_config(workdir, port=port, name=name, database=database, **sections)
    out = run_cli(workdir, "setup").stdout
    admin_name = out.split("created admin account '", 1)[1].split("'", 1)[0]
    admin_password = out.split("admin password (shown once, store it now): ", 1)[1].split()[0]
    return Server(name, f"http://127.0.0.1:{port}", workdir, admin_name, admin_password)


def start(server: Server) -> Server:
    """Start `circlefed serve` (output to server.log) and wait until /healthz answers."""
    log = server.log_path.open("ab")
    server.process = subprocess.Popen(
        [sys.executable, "-m", "circlefed", "serve"], cwd=server.workdir, env=_clean_env(),
        stdout=log, stderr=subprocess.STDOUT,
    )
    log.close()
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if server.process.poll() is not None:
            raise ServerError(f"{server.name} exited {server.process.returncode} on start:\n{server.log()}")
        try:
            with urllib.request.urlopen(server.url("/healthz"), timeout=2) as response:
                if response.status == 200:
                    return server
        except urllib.error.HTTPError as exc:  # it answers, but is not healthy: waiting will not help
            stop(server, check=False)
            raise ServerError(f"{server.name} answered /healthz with {exc.code}:\n{server.log()}") from None
        except OSError:
            if time.monotonic() > deadline:
                stop(server, check=False)
                raise ServerError(f"{server.name} did not answer within {START_TIMEOUT}s:\n{server.log()}") from None
        time.sleep(0.05)  # polling a subprocess: nothing to await


def stop(server: Server, *, check: bool = True) -> None:
    """Ctrl-C the server and wait for it; ServerError if it crashed or logged a traceback (a 500, a bug)."""
    process = server.process
    if process is None:
        return
    server.process = None
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise ServerError(f"{server.name} did not stop on Ctrl-C:\n{server.log()}") from None
    log = server.log()
    if check and (process.returncode != 0 or "Traceback" in log):
        raise ServerError(f"{server.name} exited {process.returncode}; its log:\n{log}")


def create_account(server: Server, username: str, password: str, admin: bool = False) -> None:
    """Create a local account with a known password through the domain function `circlefed users create` uses.

    It runs in-process against the server's database (no 2-3 s CLI start per account), in a thread of its own
    because Playwright's sync API keeps its event loop marked as running on the test's thread.
    """
    settings = load_settings(server.workdir / "circlefed.toml", environ={})

    async def create() -> None:
        async with database(settings):
            await accounts.create_account(site_for(settings), username, password, is_admin=admin)

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, create()).result()
