"""Test helper: a real SMTP server (aiosmtpd) on a loopback port of the test's own event loop, keeping what it gets.

    async with SmtpServer() as smtp:   # smtp.port; smtp.messages; await smtp.wait_for(1)

Optionally it asks for a login (user name and password it accepts), or offers STARTTLS with a given context."""

from __future__ import annotations

import asyncio
import email
import email.policy
import ssl
import warnings
from email.message import EmailMessage

from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session


class SmtpServer:
    def __init__(
        self, *, login: tuple[str, str] | None = None, tls_context: ssl.SSLContext | None = None, refuse: bool = False
    ) -> None:
        self._login = login
        self._tls_context = tls_context
        self._refuse = refuse  # answer every message 554 (a server that does not take it)
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []  # (MAIL FROM, RCPT TO) of each message
        self.logins: list[tuple[str, str]] = []
        self._arrived = asyncio.Condition()
        self._server: asyncio.Server | None = None
        self.port = 0

    async def __aenter__(self) -> SmtpServer:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(self._protocol, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc_info) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    def _protocol(self) -> SMTP:
        options: dict = {"hostname": "smtp.test", "enable_SMTPUTF8": True}
        if self._login is not None:
            options.update(authenticator=self._authenticate, auth_required=True, auth_require_tls=False)
        if self._tls_context is not None:
            options.update(tls_context=self._tls_context, require_starttls=True)
        with warnings.catch_warnings():  # a login without TLS, on loopback, is what the test wants
            warnings.filterwarnings("ignore", "Requiring AUTH while not requiring TLS", UserWarning)
            return SMTP(self, **options)

    def _authenticate(self, server, session: Session, envelope: Envelope, mechanism: str, data) -> AuthResult:
        if not isinstance(data, LoginPassword):
            return AuthResult(success=False, handled=False)
        login = (data.login.decode(), data.password.decode())
        self.logins.append(login)
        return AuthResult(success=login == self._login, handled=False)

    async def handle_DATA(self, server, session: Session, envelope: Envelope) -> str:
        if self._refuse:
            return "554 5.7.1 this server takes no mail for robin@example.org"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        async with self._arrived:
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
            self.messages.append(message)  # type: ignore[arg-type]
            self._arrived.notify_all()
        return "250 OK"

    async def wait_for(self, count: int, timeout: float = 10.0) -> list[EmailMessage]:
        """The messages once at least `count` have arrived (TimeoutError after `timeout` seconds)."""
        async with self._arrived:
            await asyncio.wait_for(self._arrived.wait_for(lambda: len(self.messages) >= count), timeout)
        return self.messages
