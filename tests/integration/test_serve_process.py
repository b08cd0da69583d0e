"""The server as an operator runs it: first-run setup, serving, and a clean stop on Ctrl-C (SIGINT)."""

import os
import signal
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.fakes.remote import free_port

pytestmark = pytest.mark.slow


def cli(*args: str, cwd, env) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "circlefed", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)


def test_setup_then_serve_answers_and_stops_cleanly_on_ctrl_c(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CIRCLEFED_")}
    port = free_port()
    env["CIRCLEFED_INSTANCE__BASE_URL"] = f"http://127.0.0.1:{port}"
    setup = cli("setup", cwd=tmp_path, env=env)
    assert setup.returncode == 0, setup.stderr
    assert (tmp_path / "data" / "circlefed.sqlite3").exists()
    server = subprocess.Popen([sys.executable, "-m", "circlefed", "serve", "--port", str(port)], cwd=tmp_path,
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        health = _wait_for(f"http://127.0.0.1:{port}/healthz")
        assert b'"database": "ok"' in health
        home = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5).read().decode()
        assert "Welcome circle" in home
    finally:
        server.send_signal(signal.SIGINT)
        out, err = server.communicate(timeout=30)
    assert server.returncode == 0, err
    assert "circlefed stopped" in out
    assert "Traceback" not in err
    password = setup.stdout.split("admin password (shown once, store it now): ")[1].split()[0]
    assert password not in err and password not in out, "the admin password is never logged"


def _wait_for(url: str, timeout: float = 30) -> bytes:
    deadline = time.monotonic() + timeout
    while True:
        try:
            return urllib.request.urlopen(url, timeout=2).read()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
