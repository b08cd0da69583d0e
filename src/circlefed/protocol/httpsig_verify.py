"""Protocol: verifying a parsed HTTP signature, the second step: the key, the host and the time window."""

from __future__ import annotations

from datetime import datetime, timedelta

from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from circlefed.errors import SignatureError
from circlefed.protocol import rfc9421
from circlefed.protocol.httpsig_headers import normalise_authority, require_aware
from circlefed.protocol.httpsig_parse import SignedRequest
from circlefed.protocol.keys import PublicKey, load_public_key, verify_bytes

# A claimed algorithm only has to agree with the key type; the key alone chooses how to verify.
KEY_TYPE_OF_CLAIM = {
    "rsa-sha256": rsa.RSAPublicKey,
    "rsa-v1_5-sha256": rsa.RSAPublicKey,
    "ed25519": ed25519.Ed25519PublicKey,
}


def verify_signed_request(
    signed: SignedRequest,
    *,
    public_key_pem: str,
    expected_host: str,
    now: datetime,
    max_past: timedelta = timedelta(hours=1),
    max_future: timedelta = timedelta(minutes=5),
    url_scheme: str = "https",
) -> None:
    """Raise SignatureError unless the key signed this request, for this host, within the time window.

    expected_host is "host[:port]" as this instance is reached; url_scheme is how peers address it."""
    public_key = load_public_key(public_key_pem)  # key policy first: no work for oversized keys (attack 22)
    _check_claimed_algorithm(signed.algorithm, public_key)
    our_authority = normalise_authority(expected_host, url_scheme)
    if signed.host is not None and normalise_authority(signed.host, url_scheme) != our_authority:
        # SPEC: PROTOCOL.md attack 5 and 7
        raise SignatureError(f"signed Host {signed.host!r} is not {expected_host!r}")
    _check_time_window(signed, require_aware(now), max_past=max_past, max_future=max_future)
    if signed.scheme == "cavage":
        verify_bytes(public_key, signed.signature, signed.signing_string)
        return
    rfc9421.verify_message(
        method=signed.method,
        url=f"{url_scheme}://{our_authority}{signed.path_qs}",
        headers=signed.headers,
        body=signed.body,
        public_key=public_key,
    )


def _check_claimed_algorithm(algorithm: str | None, public_key: PublicKey) -> None:
    expected_type = KEY_TYPE_OF_CLAIM.get(algorithm or "")
    if expected_type is not None and not isinstance(public_key, expected_type):
        raise SignatureError(f"signature claims {algorithm} but the key is {type(public_key).__name__}")


def _check_time_window(
    signed: SignedRequest, now: datetime, *, max_past: timedelta, max_future: timedelta
) -> None:
    # SPEC: PROTOCOL.md attack 13 (replay: only recent requests, the caller keeps replay_key for the window)
    for label, moment in (("created", signed.created), ("Date", signed.date)):
        if moment is None:
            continue
        if moment < now - max_past:
            raise SignatureError(f"signature {label} {moment.isoformat()} is older than {max_past}")
        if moment > now + max_future:
            raise SignatureError(f"signature {label} {moment.isoformat()} is more than {max_future} ahead")
    if signed.expires is not None and signed.expires < now:
        raise SignatureError(f"signature expired at {signed.expires.isoformat()}")
