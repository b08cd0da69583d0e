"""Protocol: HTTP signatures' body digests: Digest (RFC 3230) and Content-Digest (RFC 9530), written and checked."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping

from circlefed.errors import SignatureError
from circlefed.protocol.httpsig_headers import b64decode

DIGEST_HASHES = {"sha-256": hashlib.sha256, "sha-512": hashlib.sha512}
BODYLESS_METHODS = frozenset({"GET", "HEAD"})


def body_digest_headers(body: bytes) -> dict[str, str]:
    """`Digest` (RFC 3230, what cavage peers check) and `Content-Digest` (RFC 9530) of a body."""
    encoded = base64.b64encode(hashlib.sha256(body).digest()).decode("ascii")
    return {"Digest": f"SHA-256={encoded}", "Content-Digest": f"sha-256=:{encoded}:"}


def digest_required(method: str, body: bytes | None) -> bool:
    """A request with a body, or of a method that may carry one, must carry a digest of it."""
    return bool(body) or method.upper() not in BODYLESS_METHODS


def check_body_digests(values: Mapping[str, str], body: bytes, *, needs_digest: bool) -> None:
    """Every digest header present must match the raw body; a request with a body needs at least one."""
    if "digest" in values:
        _check_digest_header(values["digest"], body, header="Digest", wrapped=False)
    if "content-digest" in values:
        _check_digest_header(values["content-digest"], body, header="Content-Digest", wrapped=True)
    if needs_digest and "digest" not in values and "content-digest" not in values:
        raise SignatureError("request with a body has no Digest or Content-Digest header")


def _check_digest_header(value: str, body: bytes, *, header: str, wrapped: bool) -> None:
    checked = 0
    for member in value.split(","):
        name, separator, encoded = member.strip().partition("=")
        algorithm = name.strip().lower()
        if not separator:
            raise SignatureError(f"{header} header is malformed")
        if algorithm not in DIGEST_HASHES:
            continue
        if wrapped:
            if len(encoded) < 2 or encoded[0] != ":" or encoded[-1] != ":":
                raise SignatureError(f"{header} {algorithm} is not a byte sequence")
            encoded = encoded[1:-1]
        claimed = b64decode(encoded, f"{header} {algorithm}")
        if not hmac.compare_digest(claimed, DIGEST_HASHES[algorithm](body).digest()):
            raise SignatureError(f"{header} {algorithm} does not match the body")
        checked += 1
    if not checked:
        raise SignatureError(f"{header} has no SHA-256 or SHA-512 digest")
