"""[mail] settings and circlefed.mail against a real SMTP server on loopback: what is sent, how, and refusals."""

from __future__ import annotations

import datetime
import ssl
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from circlefed import mail
from circlefed.errors import ConfigError
from circlefed.settings import MailSettings, load_settings
from tests.fakes.smtp import SmtpServer

REPO = Path(__file__).resolve().parents[2]
EMPTY = REPO / "tests" / "empty.toml"
SENDER = "Riverside <noreply@riverside.example>"


def mail_env(**values: str) -> dict[str, str]:
    return {f"CIRCLEFED_MAIL__{key.upper()}": value for key, value in values.items()}


def test_mail_is_configured_only_with_a_server_and_a_sender():
    assert not load_settings(EMPTY, environ={}).mail.configured
    settings = load_settings(EMPTY, environ=mail_env(host="smtp.riverside.example", from_address=SENDER))
    assert settings.mail.configured and settings.mail.tls == "starttls" and settings.mail.effective_port == 587
    assert settings.replace(mail={"tls": "tls"}).mail.effective_port == 465
    assert settings.replace(mail={"port": 2525}).mail.effective_port == 2525


@pytest.mark.parametrize(
    ("values", "reason"),
    [
        ({"host": "smtp.riverside.example"}, "'mail.host' and 'mail.from_address' must be set together"),
        ({"from_address": SENDER}, "'mail.host' and 'mail.from_address' must be set together"),
        ({"host": "smtp.riverside.example", "from_address": "noreply"}, "'mail.from_address' must be an e-mail"),
        ({"host": "smtp.riverside.example", "from_address": SENDER, "tls": "ssl"}, "starttls, tls or none"),
        ({"host": "smtp.riverside.example", "from_address": SENDER, "tls": "none"}, "not 'smtp.riverside.example'"),
        ({"host": "10.0.0.5", "from_address": SENDER, "tls": "none"}, "only for a server on this machine"),
        ({"host": "smtp.riverside.example", "from_address": SENDER, "username": "circles"}, "set together"),
        ({"host": "smtp.riverside.example", "from_address": SENDER, "port": "70000"}, "between 0 and 65535"),
        ({"host": "smtp.riverside.example", "from_address": SENDER, "timeout": "0"}, "longer than 0 seconds"),
    ],
)
def test_mail_settings_that_cannot_work_are_refused_with_the_reason(values, reason):
    with pytest.raises(ConfigError) as refused:
        load_settings(EMPTY, environ=mail_env(**values))
    assert reason in str(refused.value)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "[::1]"])
def test_plain_smtp_is_allowed_for_a_server_on_this_machine(host):
    assert load_settings(EMPTY, environ=mail_env(host=host, from_address=SENDER, tls="none")).mail.configured


def test_the_smtp_password_is_never_shown_with_the_settings():
    secret = "hunter2-smtp-secret"
    settings = load_settings(
        EMPTY, environ=mail_env(host="smtp.riverside.example", from_address=SENDER, username="circles", password=secret)
    )
    assert settings.mail.password == secret  # read from the environment...
    assert secret not in repr(settings) and secret not in str(settings.mail)  # ...never printed
    assert "username='circles'" in repr(settings.mail)  # positive control: the rest is
    with pytest.raises(ConfigError) as refused:
        load_settings(EMPTY, environ=mail_env(host="smtp.riverside.example", from_address=SENDER, password=secret))
    assert "set together" in str(refused.value) and secret not in str(refused.value)


def loopback(port: int, **values) -> MailSettings:
    return MailSettings(host="127.0.0.1", port=port, from_address=SENDER, tls="none", timeout=5.0, **values)


async def test_a_plain_text_message_reaches_the_server_from_the_sender():
    async with SmtpServer() as smtp:
        settings = loopback(smtp.port)
        await mail.send(settings, mail.build_message(settings, "robin@example.org", "Hello", "Line one\nLine two\n"))
        [received] = await smtp.wait_for(1)
    assert smtp.envelopes == [("noreply@riverside.example", ["robin@example.org"])]
    assert received["From"] == SENDER and received["To"] == "robin@example.org" and received["Subject"] == "Hello"
    assert received.get_content_type() == "text/plain"
    assert received.get_content().splitlines() == ["Line one", "Line two"]
    assert received["Message-ID"].endswith("@riverside.example>") and received["Date"]


async def test_the_configured_login_is_used():
    async with SmtpServer(login=("circles", "smtp password")) as smtp:
        wrong = loopback(smtp.port, username="circles", password="not it")
        with pytest.raises(mail.MailError, match="answered 535"):
            await mail.send(wrong, mail.build_message(wrong, "robin@example.org", "Hello", "Hi\n"))
        right = loopback(smtp.port, username="circles", password="smtp password")
        await mail.send(right, mail.build_message(right, "robin@example.org", "Hello", "Hi\n"))
        await smtp.wait_for(1)
    assert ("circles", "not it") in smtp.logins and smtp.logins[-1] == ("circles", "smtp password")
    assert len(smtp.messages) == 1


async def test_a_refusal_or_an_unreachable_server_is_a_mail_error_that_names_no_address(unused_tcp_port):
    async with SmtpServer(refuse=True) as smtp:
        settings = loopback(smtp.port)
        with pytest.raises(mail.MailError) as refused:
            await mail.send(settings, mail.build_message(settings, "robin@example.org", "Hello", "Hi\n"))
    assert "554" in str(refused.value) and "robin@example.org" not in str(refused.value)
    closed = loopback(unused_tcp_port)
    with pytest.raises(mail.MailError) as unreachable:
        await mail.send(closed, mail.build_message(closed, "robin@example.org", "Hello", "Hi\n"))
    assert "SMTPConnectError" in str(unreachable.value) and "robin@example.org" not in str(unreachable.value)
    with pytest.raises(mail.MailError, match="not configured"):
        await mail.send(MailSettings(), mail.build_message(closed, "robin@example.org", "Hello", "Hi\n"))


def test_a_line_break_cannot_add_a_header():
    with pytest.raises(ValueError):
        mail.build_message(loopback(25), "robin@example.org\nBcc: eve@example.org", "Hello", "Hi\n")


def _untrusted_tls_context(tmp_path: Path) -> ssl.SSLContext:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert, private = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    private.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, private)
    return context


async def test_starttls_is_required_and_checks_the_certificate(tmp_path):
    async with SmtpServer() as plain:  # offers no STARTTLS: nothing goes out in clear instead
        settings = MailSettings(host="localhost", port=plain.port, from_address=SENDER, tls="starttls", timeout=5.0)
        with pytest.raises(mail.MailError, match="SMTPException"):  # "STARTTLS extension not supported"
            await mail.send(settings, mail.build_message(settings, "robin@example.org", "Hello", "Hi\n"))
    assert plain.messages == []
    async with SmtpServer(tls_context=_untrusted_tls_context(tmp_path)) as untrusted:
        settings = MailSettings(host="localhost", port=untrusted.port, from_address=SENDER, tls="starttls", timeout=5.0)
        with pytest.raises(mail.MailError) as refused:
            await mail.send(settings, mail.build_message(settings, "robin@example.org", "Hello", "Hi\n"))
    assert untrusted.messages == [], "a certificate the system does not trust stops the message"
    assert "SSLCertVerificationError" in str(refused.value) and "robin@example.org" not in str(refused.value)
