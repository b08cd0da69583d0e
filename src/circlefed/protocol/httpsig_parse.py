"""Protocol: reading a request's HTTP signature, the first of two steps: its shape, coverage and body digests."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from circlefed.errors import SignatureError
from circlefed.protocol import rfc9421
from circlefed.protocol.httpsig_cavage import (
    CAVAGE_ALGORITHMS,
    cavage_signing_string,
    check_cavage_coverage,
    parse_cavage_params,
)
from circlefed.protocol.httpsig_digests import check_body_digests, digest_required
from circlefed.protocol.httpsig_headers import b64decode, header_values, http_date

# Headers that decide what a signature means: a second copy lets a verifier and the app read different values.
SINGLETON_HEADERS = (
    "signature",
    "signature-input",
    "date",
    "host",
    "digest",
    "content-digest",
    "authorization",
)
MAX_SIGNATURE_HEADER_CHARS = 4096


@dataclass(frozen=True)
class SignedRequest:
    """A signature read from a request, not yet verified: fetch the key named by key_id, then verify."""

    scheme: Literal["cavage", "rfc9421"]
    key_id: str
    algorithm: str | None  # as claimed by the sender; never used to pick the verification algorithm
    covered: tuple[str, ...]
    created: datetime | None
    date: datetime | None  # the Date header, only when the signature covers it
    expires: datetime | None
    host: str | None
    replay_key: str
    method: str
    path_qs: str
    signature: bytes = field(repr=False)
    signing_string: bytes = field(repr=False)  # cavage only
    headers: tuple[tuple[str, str], ...] = field(repr=False)
    body: bytes | None = field(repr=False)


def parse_signed_request(
    *, method: str, path_qs: str, headers: Sequence[tuple[str, str]], body: bytes | None
) -> SignedRequest:
    """Read a request's signature (RFC 9421 if Signature-Input is present, else cavage) and check its shape,
    coverage and body digests; the caller then fetches the key named by key_id and calls verify."""
    lines = tuple((name.lower(), value.strip(" \t")) for name, value in headers)
    _reject_duplicate_headers(lines)
    values = header_values(lines)
    needs_digest = digest_required(method, body)
    check_body_digests(values, body or b"", needs_digest=needs_digest)
    if "signature-input" in values:
        return _parse_rfc9421(method, path_qs, lines, values, body, needs_digest=needs_digest)
    return _parse_cavage(method, path_qs, lines, values, body, needs_digest=needs_digest)


def _parse_cavage(
    method: str,
    path_qs: str,
    lines: tuple[tuple[str, str], ...],
    values: Mapping[str, str],
    body: bytes | None,
    *,
    needs_digest: bool,
) -> SignedRequest:
    params = parse_cavage_params(_cavage_signature_value(values))
    if "keyId" not in params or "signature" not in params:
        raise SignatureError("Signature header needs keyId and signature")
    algorithm = params.get("algorithm", "").lower() or None
    if algorithm is not None and algorithm not in CAVAGE_ALGORITHMS:
        # SPEC: PROTOCOL.md attack 6 (hmac-* keyed with the public PEM, rsa-sha1 downgrade)
        raise SignatureError(f"signature algorithm {algorithm!r} is not accepted")
    covered = tuple(params.get("headers", "(created)").lower().split())
    check_cavage_coverage(covered, algorithm, needs_digest=needs_digest)
    signature = b64decode(params["signature"], "Signature signature")
    return SignedRequest(
        scheme="cavage",
        key_id=params["keyId"],
        algorithm=algorithm,
        covered=covered,
        created=_param_time(params, "created") if "(created)" in covered else None,
        date=http_date(values["date"]) if "date" in covered and "date" in values else None,
        expires=_param_time(params, "expires") if "(expires)" in covered else None,
        host=values.get("host"),
        replay_key=_replay_key(signature),
        method=method,
        path_qs=path_qs,
        signature=signature,
        signing_string=cavage_signing_string(covered, method, path_qs, values, params),
        headers=lines,
        body=body,
    )


def _parse_rfc9421(
    method: str,
    path_qs: str,
    lines: tuple[tuple[str, str], ...],
    values: Mapping[str, str],
    body: bytes | None,
    *,
    needs_digest: bool,
) -> SignedRequest:
    if "signature" not in values:
        raise SignatureError("Signature-Input without a Signature header")
    _check_signature_length(values["signature-input"], "Signature-Input")
    _check_signature_length(values["signature"], "Signature")
    fields = rfc9421.parse_signature_fields(values["signature-input"], values["signature"])
    missing = rfc9421.missing_components(fields.covered, needs_digest=needs_digest, has_query="?" in path_qs)
    if missing:
        # SPEC: PROTOCOL.md attack 5
        raise SignatureError(f"signature does not cover {', '.join(missing)}")
    return SignedRequest(
        scheme="rfc9421",
        key_id=fields.key_id,
        algorithm=fields.algorithm,
        covered=fields.covered,
        created=fields.created,
        date=http_date(values["date"]) if "date" in fields.covered and "date" in values else None,
        expires=fields.expires,
        host=values.get("host"),
        replay_key=_replay_key(fields.signature),
        method=method,
        path_qs=path_qs,
        signature=fields.signature,
        signing_string=b"",
        headers=lines,
        body=body,
    )


def _reject_duplicate_headers(lines: Iterable[tuple[str, str]]) -> None:
    names = [name for name, _ in lines]
    for name in SINGLETON_HEADERS:
        if names.count(name) > 1:
            raise SignatureError(f"request repeats the {name} header")


def _cavage_signature_value(values: Mapping[str, str]) -> str:
    authorization = values.get("authorization", "")
    from_authorization = authorization[:10].lower() == "signature "
    if from_authorization and "signature" in values:
        raise SignatureError("request carries both Signature and Authorization: Signature")
    value = authorization if from_authorization else values.get("signature")
    if value is None:
        raise SignatureError("request has no Signature header")
    _check_signature_length(value, "Signature")
    # Mastodon accepts a stray "Signature " prefix in the Signature header too.
    return value[10:] if value[:10].lower() == "signature " else value


def _param_time(params: Mapping[str, str], name: str) -> datetime:
    try:
        return datetime.fromtimestamp(int(params[name]), UTC)
    except (KeyError, ValueError, OverflowError, OSError) as exc:
        raise SignatureError(f"Signature {name} parameter is missing or out of range") from exc


def _check_signature_length(value: str, header: str) -> None:
    if len(value) > MAX_SIGNATURE_HEADER_CHARS:
        raise SignatureError(f"{header} header is longer than {MAX_SIGNATURE_HEADER_CHARS} characters")


def _replay_key(signature: bytes) -> str:
    return hashlib.sha256(signature).hexdigest()
