"""An nginx of the deploy tests: deploy/nginx/circlefed.conf as shipped, with only what differs on a test
machine replaced (ports on loopback, a certificate made here, the static folder, the upstream's port), run by a
minimal main configuration in a folder of its own."""

from __future__ import annotations

import datetime
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import circlefed.templates
import pytest
from aiohttp.abc import AbstractResolver
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

REPO = Path(__file__).resolve().parents[2]
HOST = "clinic.example"


def tool(name: str) -> str:
    """The program's path; skipped (a failure in a strict run) when this machine lacks it."""
    found = shutil.which(name) or next(
        (str(p) for p in (Path("/usr/sbin") / name, Path("/sbin") / name) if p.exists()), None
    )
    if found is None:
        pytest.skip(f"{name} is not installed (.ci/run installs it; CIRCLEFED_TEST_OPT_OUT=deploy leaves this out)")
    return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LoopbackResolver(AbstractResolver):
    """clinic.example is the proxy on 127.0.0.1 (no DNS in the test)."""

    async def resolve(self, host: str, port: int = 0, family: int = socket.AF_INET):
        assert host == HOST, host
        return [{"hostname": host, "host": "127.0.0.1", "port": port, "family": socket.AF_INET, "proto": 0,
                 "flags": socket.AI_NUMERICHOST}]

    async def close(self) -> None:
        return None


class NginxLab:
    def __init__(self, root: Path, *, upstream_port: int) -> None:
        self.nginx = tool("nginx")
        self.root = root / "nginx"
        for folder in ("acme", "temp", "logs"):
            (self.root / folder).mkdir(parents=True, exist_ok=True)
        self.https_port, self.http_port = free_port(), free_port()
        self.static = Path(circlefed.templates.__file__).parent / "static"
        self.certificate, self.key = self._certificate()
        self.site = self.root / "circlefed.conf"
        self.site.write_text(self._site(upstream_port))
        self.config = self.root / "nginx.conf"
        self.config.write_text(self._main())
        self._process: subprocess.Popen | None = None

    @property
    def https(self) -> str:
        return f"https://{HOST}:{self.https_port}"

    @property
    def http(self) -> str:
        return f"http://{HOST}:{self.http_port}"

    def resolver(self) -> LoopbackResolver:
        return LoopbackResolver()

    def check(self) -> subprocess.CompletedProcess:
        return subprocess.run(
            [self.nginx, "-t", "-p", str(self.root), "-c", str(self.config)], capture_output=True, text=True,
            timeout=60,
        )

    def start(self) -> None:
        self._process = subprocess.Popen(
            [self.nginx, "-p", str(self.root), "-c", str(self.config), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise AssertionError(f"nginx stopped: {self._process.stderr.read().decode()}")
            try:
                socket.create_connection(("127.0.0.1", self.https_port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.05)
        raise AssertionError("nginx did not start listening within 20 s")

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=20)

    def upstream_paths(self) -> list[str]:
        """Paths nginx passed on to circlefed (the access log names the upstream, or "-" for its own answers)."""
        lines = (self.root / "logs" / "access.log").read_text().splitlines()
        return [line.split()[1] for line in lines if line.split()[0] != "-"]

    def _site(self, upstream_port: int) -> str:
        text = (REPO / "deploy" / "nginx" / "circlefed.conf").read_text()
        replacements = {
            "server 127.0.0.1:8080;": f"server 127.0.0.1:{upstream_port};",
            "    listen 80;\n": f"    listen 127.0.0.1:{self.http_port};\n",
            "    listen [::]:80;\n": "",
            "    listen 443 ssl http2;\n": f"    listen 127.0.0.1:{self.https_port} ssl http2;\n",
            "    listen [::]:443 ssl http2;\n": "",
            f"/etc/letsencrypt/live/{HOST}/fullchain.pem": str(self.certificate),
            f"/etc/letsencrypt/live/{HOST}/privkey.pem": str(self.key),
            "/opt/circlefed/static/": f"{self.static}/",
            "root /var/www/acme;": f"root {self.root / 'acme'};",
        }
        for shipped, here in replacements.items():
            assert shipped in text, f"deploy/nginx/circlefed.conf no longer has {shipped!r}"
            text = text.replace(shipped, here)
        return text

    def _main(self) -> str:
        temp = self.root / "temp"
        user = "user root;\n" if os.geteuid() == 0 else ""  # the workers read this test's private folders
        return (
            f"{user}pid {self.root / 'nginx.pid'};\nerror_log {self.root / 'logs' / 'error.log'};\n"
            "events { worker_connections 64; }\n"
            "http {\n"
            "  include /etc/nginx/mime.types;\n"
            "  log_format upstream '$upstream_addr $uri $status';\n"
            f"  access_log {self.root / 'logs' / 'access.log'} upstream;\n"
            + "".join(f"  {kind}_temp_path {temp / kind};\n"
                      for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
            + f"  include {self.site};\n}}\n"
        )

    def _certificate(self) -> tuple[Path, Path]:
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)])
        now = datetime.datetime.now(datetime.UTC)
        certificate = (
            x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(HOST)]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256())
        )
        cert_path, key_path = self.root / "fullchain.pem", self.root / "privkey.pem"
        cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
        key_path.write_bytes(key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ))
        return cert_path, key_path
