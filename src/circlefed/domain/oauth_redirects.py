"""Domain: the redirect URIs an app may register: absolute URIs of a safe scheme (https, http, a native app's own
scheme such as com.example.app:/oauth) or the out-of-band `urn:ietf:wg:oauth:2.0:oob`; and exact matching."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from authlib.oauth2.rfc7591.errors import InvalidRedirectURIError

from circlefed.domain.oauth_scopes import ascii_only

OOB = "urn:ietf:wg:oauth:2.0:oob"
MAX_URIS = 10
MAX_URI_LENGTH = 2000
# Schemes that run code or carry content in the browser, or read local files: never a place to send a code.
_REFUSED_SCHEMES = frozenset({"javascript", "data", "vbscript", "file", "blob", "about", "filesystem"})
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*$")
_HOST_PORT = re.compile(r"^[A-Za-z0-9.-]+(:[0-9]{1,5})?$|^\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?$")


def parse_redirect_uris(text: str | list[str] | None) -> tuple[str, ...]:
    """The redirect URIs of a registration (space or newline separated, or a JSON list), each checked."""
    items = text if isinstance(text, list) else (text or "").split()
    uris = tuple(dict.fromkeys(item.strip() for item in items if isinstance(item, str) and item.strip()))
    if not uris:
        raise InvalidRedirectURIError(description="redirect_uris is required (one URI, or several separated by "
                                      f"spaces or new lines; {OOB} for an app that shows the code).")
    if len(uris) > MAX_URIS:
        raise InvalidRedirectURIError(description=f"At most {MAX_URIS} redirect URIs can be registered.")
    for uri in uris:
        check_redirect_uri(uri)
    return uris


def check_redirect_uri(uri: str) -> None:
    shown = ascii_only(uri[:100])
    if len(uri) > MAX_URI_LENGTH:
        raise InvalidRedirectURIError(description=f"A redirect URI is longer than {MAX_URI_LENGTH} characters.")
    if uri == OOB:
        return
    if any(ord(c) <= 0x20 or ord(c) == 0x7F for c in uri):
        raise InvalidRedirectURIError(description=f"The redirect URI {shown} contains spaces or control characters.")
    parts = urlsplit(uri)
    scheme = parts.scheme.lower()
    if not scheme or not _SCHEME.match(scheme):
        raise InvalidRedirectURIError(description=f"The redirect URI {shown} is not absolute: it needs a scheme "
                                      "such as https: or your app's own (com.example.app:/oauth).")
    if scheme in _REFUSED_SCHEMES:
        raise InvalidRedirectURIError(description=f"Redirect URIs of the {scheme}: scheme are not accepted.")
    if parts.fragment or "#" in uri:
        raise InvalidRedirectURIError(description=f"The redirect URI {shown} has a fragment (#...), which "
                                      "OAuth does not allow.")
    if scheme in ("http", "https") and not parts.hostname:
        raise InvalidRedirectURIError(description=f"The redirect URI {shown} names no host.")
    if scheme not in ("http", "https") and not (parts.path or parts.netloc):
        raise InvalidRedirectURIError(description=f"The redirect URI {shown} has nothing after its scheme.")


def split_stored(stored: str) -> tuple[str, ...]:
    return tuple(line for line in stored.splitlines() if line)


def registered(stored: str, uri: str) -> bool:
    """Exact, character for character: no prefix, no normalisation (RFC 6749 3.1.2.3 with registered URIs)."""
    return uri in split_stored(stored)


def form_action_source(uri: str) -> str:
    """The Content-Security-Policy form-action source that lets the consent form's answer go to `uri` (browsers
    apply form-action to the redirect after a form too); empty when the URI's host is no plain host[:port]."""
    parts = urlsplit(uri)
    if parts.scheme not in ("http", "https"):
        return f"{parts.scheme}:"
    return f"{parts.scheme}://{parts.netloc}" if _HOST_PORT.match(parts.netloc) else ""
