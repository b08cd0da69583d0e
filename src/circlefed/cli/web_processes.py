"""CLI: `circlefed serve --workers N`: N web processes share the listen port (SO_REUSEPORT), kept running.

The kernel spreads new connections over the processes. A process that ends on its own (a crash, the OOM killer,
a SIGKILL) is started again; if new processes keep ending within seconds of starting (a port in use, a broken
setting), the supervisor stops them all and fails instead of restarting them forever. SIGTERM or Ctrl-C stops
every process gracefully: each finishes its requests and releases its queue rows, as one `serve` does.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from prometheus_client import multiprocess

from circlefed.settings import Settings

log = logging.getLogger(__name__)

QUICK_EXIT_SECONDS = 10.0  # a process ending this soon after it started failed at startup
QUICK_EXITS_TOLERATED = 3
STOP_GRACE_SECONDS = 30.0  # each process's own shutdown_timeout is 10 s
POLL_SECONDS = 0.2
METRICS_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"  # read by prometheus_client as it is imported


class WebProcess:
    """One `circlefed serve --child-of PARENT` process and when it started."""

    def __init__(self, command: list[str], env: dict[str, str]) -> None:
        self.command = command
        # A session of its own: a terminal's Ctrl-C reaches the supervisor only, which stops each child once.
        self.process = subprocess.Popen(command, start_new_session=True, env=env)
        self.started = time.monotonic()

    @property
    def pid(self) -> int:
        return self.process.pid

    def ended(self) -> int | None:
        return self.process.poll()

    def ran_briefly(self) -> bool:
        return time.monotonic() - self.started < QUICK_EXIT_SECONDS


def child_command(settings: Settings, parent: int, config: str | None) -> list[str]:
    command = [sys.executable, "-m", "circlefed", "serve", "--host", settings.web.host]
    command += ["--port", str(settings.web.port), "--child-of", str(parent)]
    return command + (["--config", config] if config else [])


def run_web_processes(settings: Settings, count: int, *, config: str | None) -> int:
    """Start `count` web processes and keep them running until SIGTERM or SIGINT; the exit status."""
    stopping: list[int] = []

    def request_stop(signum, _frame) -> None:
        stopping.append(signum)

    previous = {s: signal.signal(s, request_stop) for s in (signal.SIGTERM, signal.SIGINT)}
    command = child_command(settings, os.getpid(), config)
    # Prometheus's multiprocess mode: each process writes its samples here, and /metrics, whichever process
    # answers it, adds up all of them (web/metrics.py).
    metrics_dir = tempfile.mkdtemp(prefix="circlefed-metrics-")
    env = {**os.environ, METRICS_DIR_VARIABLE: metrics_dir}
    processes = [WebProcess(command, env) for _ in range(count)]
    print(
        f"circlefed serving {settings.instance.base_url} with {count} web processes "
        f"({', '.join(str(p.pid) for p in processes)}) on {settings.web.host}:{settings.web.port} (Ctrl-C to stop)",
        flush=True,
    )
    status = 0
    try:
        status = _supervise(processes, command, env, stopping)
    finally:
        _stop_all(processes)
        shutil.rmtree(metrics_dir, ignore_errors=True)
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    print("circlefed stopped", flush=True)
    return status


def _supervise(processes: list[WebProcess], command: list[str], env: dict[str, str], stopping: list[int]) -> int:
    quick_exits = 0
    while not stopping:
        for index, web in enumerate(processes):
            status = web.ended()
            if status is None:
                continue
            quick_exits = quick_exits + 1 if web.ran_briefly() else 0
            if quick_exits >= QUICK_EXITS_TOLERATED:
                log.error("web processes keep ending at startup (last status %s): stopping them all", status)
                print(
                    f"circlefed: error: web processes keep ending within {QUICK_EXIT_SECONDS:.0f} s of starting "
                    "(see their messages above): not restarting them",
                    file=sys.stderr,
                    flush=True,
                )
                return 1
            log.warning("web process %d ended with status %s: starting another", web.pid, status)
            multiprocess.mark_process_dead(web.pid, env[METRICS_DIR_VARIABLE])  # its live gauges go
            processes[index] = WebProcess(command, env)
        time.sleep(POLL_SECONDS)
    return 0


def _stop_all(processes: list[WebProcess]) -> None:
    for web in processes:
        if web.ended() is None:
            web.process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for web in processes:
        try:
            web.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            log.warning("web process %d did not stop within %.0f s: killing it", web.pid, STOP_GRACE_SECONDS)
            web.process.kill()
            web.process.wait()
