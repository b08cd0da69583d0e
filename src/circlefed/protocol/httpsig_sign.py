"""Protocol: signing an outgoing request: draft-cavage (Mastodon's profile) or RFC 9421 (Fedify's profile)."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from datetime import datetime
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import rsa

from circlefed.protocol import rfc9421
from circlefed.protocol.httpsig_cavage import cavage_names_to_sign, cavage_signing_string
from circlefed.protocol.httpsig_digests import body_digest_headers, digest_required
from circlefed.protocol.httpsig_headers import format_http_date, header_values, split_url
from circlefed.protocol.keys import load_private_key, sign_bytes

GENERATED_HEADERS = frozenset({"host", "date", "digest", "content-digest", "signature", "signature-input"})


def sign_cavage(
    *,
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes | None,
    key_id: str,
    private_key_pem: str,
    now: datetime,
) -> dict[str, str]:
    """Return every header to send, ending with a draft-cavage `Signature` in Mastodon's profile."""
    private_key = load_private_key(private_key_pem)
    authority, path_qs = split_url(url)
    out = _base_headers(headers, method=method, authority=authority, body=body, now=now)
    covered = cavage_names_to_sign(method, header_values(out.items()))
    signing_string = cavage_signing_string(covered, method, path_qs, header_values(out.items()), {})
    signature = base64.b64encode(sign_bytes(private_key, signing_string)).decode("ascii")
    algorithm = "rsa-sha256" if isinstance(private_key, rsa.RSAPrivateKey) else "hs2019"
    out["Signature"] = (
        f'keyId="{key_id}",algorithm="{algorithm}",headers="{" ".join(covered)}",signature="{signature}"'
    )
    return out


def sign_rfc9421(
    *,
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes | None,
    key_id: str,
    private_key_pem: str,
    now: datetime,
) -> dict[str, str]:
    """Return every header to send, ending with RFC 9421 Signature-Input and Signature (Fedify profile)."""
    private_key = load_private_key(private_key_pem)
    authority, path_qs = split_url(url)
    out = _base_headers(headers, method=method, authority=authority, body=body, now=now)
    # Sign the normalised URL: it is what the receiver rebuilds from its own host name.
    target_uri = f"{urlsplit(url).scheme.lower()}://{authority}{path_qs}"
    digest_body = (body or b"") if "Content-Digest" in out else None
    out.update(
        rfc9421.sign_message(
            method=method,
            url=target_uri,
            headers=out,
            body=digest_body,
            key_id=key_id,
            private_key=private_key,
            created=now,
        )
    )
    return out


def _base_headers(
    headers: Mapping[str, str], *, method: str, authority: str, body: bytes | None, now: datetime
) -> dict[str, str]:
    out = {name: value for name, value in headers.items() if name.lower() not in GENERATED_HEADERS}
    out["Host"] = authority
    out["Date"] = format_http_date(now)
    if digest_required(method, body):
        out.update(body_digest_headers(body or b""))
    return out
