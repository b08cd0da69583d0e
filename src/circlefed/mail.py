"""Root: plain-text e-mail handed to the SMTP server of the [mail] settings (aiosmtplib); failures name no address."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

import aiosmtplib

from circlefed.settings import MailSettings


class MailError(Exception):
    """A message could not be handed to the SMTP server; the message says why without naming any address."""


def build_message(mail: MailSettings, to: str, subject: str, body: str) -> EmailMessage:
    """A plain-text UTF-8 message from the configured sender (a line break in a header is refused: ValueError)."""
    message = EmailMessage()
    message["From"] = mail.from_address
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=_sender(mail).rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies to it
    message.set_content(body)
    return message


async def send(mail: MailSettings, message: EmailMessage) -> None:
    """Hand the message to the SMTP server (TLS as mail.tls says); MailError on any failure."""
    if not mail.configured:
        raise MailError("mail is not configured")
    try:
        await aiosmtplib.send(
            message,
            sender=_sender(mail),
            hostname=mail.host,
            port=mail.effective_port,
            username=mail.username or None,
            password=mail.password or None,
            use_tls=mail.tls == "tls",
            start_tls=mail.tls == "starttls",
            timeout=float(mail.timeout),
        )
    except aiosmtplib.SMTPResponseException as exc:  # the server's text may quote an address: only its code
        raise MailError(f"the SMTP server answered {exc.code} ({type(exc).__name__})") from None
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
        raise MailError(f"no connection, TLS or SMTP exchange with the server ({type(exc).__name__})") from None


def _sender(mail: MailSettings) -> str:
    return parseaddr(mail.from_address)[1]
