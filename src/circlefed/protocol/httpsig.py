"""Protocol: HTTP signatures: signing (draft-cavage, RFC 9421) and strict two-step parse/verify of both."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from typing import Literal
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from circlefed.errors import SignatureError
from circlefed.protocol import rfc9421
from circlefed.protocol.keys import PublicKey, load_private_key, load_public_key, sign_bytes, verify_bytes

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
GENERATED_HEADERS = frozenset({"host", "date", "digest", "content-digest", "signature", "signature-input"})
MAX_SIGNATURE_HEADER_CHARS = 4096
CAVAGE_ALGORITHMS = frozenset({"hs2019", "rsa-sha256", "ed25519"})
# A claimed algorithm only has to agree with the key type; the key alone chooses how to verify.
KEY_TYPE_OF_CLAIM = {
    "rsa-sha256": rsa.RSAPublicKey,
    "rsa-v1_5-sha256": rsa.RSAPublicKey,
    "ed25519": ed25519.Ed25519PublicKey,
}
DIGEST_HASHES = {"sha-256": hashlib.sha256, "sha-512": hashlib.sha512}
BODYLESS_METHODS = frozenset({"GET", "HEAD"})
DEFAULT_PORTS = {"http": 80, "https": 443}
_CAVAGE_PARAM = re.compile(
    r'[ \t]*(?P<name>[A-Za-z][A-Za-z0-9_-]*)=(?:"(?P<quoted>[^"\\]*)"|(?P<number>[0-9]+))[ \t]*(?:,|\Z)'
)
_HOSTNAME = re.compile(r"[a-z0-9._-]+|\[[0-9a-f:.]+\]")


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


# --- signing ---------------------------------------------------------------------------------------------


def body_digest_headers(body: bytes) -> dict[str, str]:
    """`Digest` (RFC 3230, what cavage peers check) and `Content-Digest` (RFC 9530) of a body."""
    encoded = base64.b64encode(hashlib.sha256(body).digest()).decode("ascii")
    return {"Digest": f"SHA-256={encoded}", "Content-Digest": f"sha-256=:{encoded}:"}


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
    authority, path_qs = _split_url(url)
    out = _base_headers(headers, method=method, authority=authority, body=body, now=now)
    covered = _cavage_names_to_sign(method, _header_values(out.items()))
    signing_string = _cavage_signing_string(covered, method, path_qs, _header_values(out.items()), {})
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
    authority, path_qs = _split_url(url)
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


def format_http_date(now: datetime) -> str:
    """IMF-fixdate, e.g. `Sun, 06 Nov 1994 08:49:37 GMT`."""
    return format_datetime(_require_aware(now).astimezone(UTC), usegmt=True)


def _base_headers(
    headers: Mapping[str, str], *, method: str, authority: str, body: bytes | None, now: datetime
) -> dict[str, str]:
    out = {name: value for name, value in headers.items() if name.lower() not in GENERATED_HEADERS}
    out["Host"] = authority
    out["Date"] = format_http_date(now)
    if _needs_digest(method, body):
        out.update(body_digest_headers(body or b""))
    return out


def _cavage_names_to_sign(method: str, values: Mapping[str, str]) -> tuple[str, ...]:
    optional = ("digest", "content-type") if method.upper() not in BODYLESS_METHODS else ("accept",)
    return ("(request-target)", "host", "date", *(name for name in optional if name in values))


def _split_url(url: str) -> tuple[str, str]:
    """(authority for Host, raw path with query) of an absolute http(s) URL; the default port is dropped."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError as exc:
        raise SignatureError(f"URL {url!r} has an invalid port") from exc
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        raise SignatureError(f"URL {url!r} is not an absolute http(s) URL")
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    authority = host if port in (None, DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    path_qs = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return authority, path_qs


# --- parsing ---------------------------------------------------------------------------------------------


def parse_signed_request(
    *, method: str, path_qs: str, headers: Sequence[tuple[str, str]], body: bytes | None
) -> SignedRequest:
    """Read a request's signature (RFC 9421 if Signature-Input is present, else cavage) and check its shape,
    coverage and body digests; the caller then fetches the key named by key_id and calls verify."""
    lines = tuple((name.lower(), value.strip(" \t")) for name, value in headers)
    _reject_duplicate_headers(lines)
    values = _header_values(lines)
    needs_digest = _needs_digest(method, body)
    _check_body_digests(values, body or b"", needs_digest=needs_digest)
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
    params = _parse_cavage_params(_cavage_signature_value(values))
    if "keyId" not in params or "signature" not in params:
        raise SignatureError("Signature header needs keyId and signature")
    algorithm = params.get("algorithm", "").lower() or None
    if algorithm is not None and algorithm not in CAVAGE_ALGORITHMS:
        # SPEC: PROTOCOL.md attack 6 (hmac-* keyed with the public PEM, rsa-sha1 downgrade)
        raise SignatureError(f"signature algorithm {algorithm!r} is not accepted")
    covered = tuple(params.get("headers", "(created)").lower().split())
    _check_cavage_coverage(covered, algorithm, needs_digest=needs_digest)
    signature = _b64decode(params["signature"], "Signature signature")
    return SignedRequest(
        scheme="cavage",
        key_id=params["keyId"],
        algorithm=algorithm,
        covered=covered,
        created=_param_time(params, "created") if "(created)" in covered else None,
        date=_http_date(values["date"]) if "date" in covered and "date" in values else None,
        expires=_param_time(params, "expires") if "(expires)" in covered else None,
        host=values.get("host"),
        replay_key=_replay_key(signature),
        method=method,
        path_qs=path_qs,
        signature=signature,
        signing_string=_cavage_signing_string(covered, method, path_qs, values, params),
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
        date=_http_date(values["date"]) if "date" in fields.covered and "date" in values else None,
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


def _header_values(lines: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Lowercase name -> value; repeated ordinary headers are joined with ", " as cavage prescribes."""
    values: dict[str, str] = {}
    for name, value in lines:
        key = name.lower()
        values[key] = f"{values[key]}, {value}" if key in values else value
    return values


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


def _parse_cavage_params(value: str) -> dict[str, str]:
    params: dict[str, str] = {}
    position = 0
    while position < len(value):
        match = _CAVAGE_PARAM.match(value, position)
        if match is None:
            raise SignatureError("Signature header is malformed")
        if match["name"] in params:
            raise SignatureError(f"Signature header repeats {match['name']}")
        params[match["name"]] = match["quoted"] if match["quoted"] is not None else match["number"]
        position = match.end()
    return params


def _check_cavage_coverage(covered: Sequence[str], algorithm: str | None, *, needs_digest: bool) -> None:
    # SPEC: PROTOCOL.md attack 5 (body, Host and target must be bound to the signature)
    required = ["(request-target)", "host"]
    if "(created)" not in covered:
        required.append("date")
    missing = [name for name in required if name not in covered]
    if needs_digest and "digest" not in covered and "content-digest" not in covered:
        missing.append("digest")
    if missing:
        raise SignatureError(f"signature does not cover {', '.join(missing)}")
    if algorithm == "rsa-sha256" and {"(created)", "(expires)"} & set(covered):
        raise SignatureError("(created) and (expires) are only valid with hs2019")


def _cavage_signing_string(
    covered: Sequence[str], method: str, path_qs: str, values: Mapping[str, str], params: Mapping[str, str]
) -> bytes:
    lines = [f"{name}: {_covered_value(name, method, path_qs, values, params)}" for name in covered]
    text = "\n".join(lines)
    if not text.isascii():
        raise SignatureError("signed header values contain non-ASCII characters")
    return text.encode("ascii")


def _covered_value(
    name: str, method: str, path_qs: str, values: Mapping[str, str], params: Mapping[str, str]
) -> str:
    if name == "(request-target)":
        value = f"{method.lower()} {path_qs}"
    elif name in ("(created)", "(expires)"):
        value = params.get(name[1:-1], "")
        if not value.isdigit():
            raise SignatureError(f"signature covers {name} but has no {name[1:-1]} parameter")
    elif name in values:
        value = values[name]
    else:
        raise SignatureError(f"signed header {name!r} is missing from the request")
    # A line break would let one header impersonate the next line of the signing string.
    if "\n" in value or "\r" in value:
        raise SignatureError(f"signed header {name!r} contains a line break")
    return value


def _check_body_digests(values: Mapping[str, str], body: bytes, *, needs_digest: bool) -> None:
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
        claimed = _b64decode(encoded, f"{header} {algorithm}")
        if not hmac.compare_digest(claimed, DIGEST_HASHES[algorithm](body).digest()):
            raise SignatureError(f"{header} {algorithm} does not match the body")
        checked += 1
    if not checked:
        raise SignatureError(f"{header} has no SHA-256 or SHA-512 digest")


# --- verification ----------------------------------------------------------------------------------------


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
    our_authority = _normalise_authority(expected_host, url_scheme)
    if signed.host is not None and _normalise_authority(signed.host, url_scheme) != our_authority:
        # SPEC: PROTOCOL.md attack 5 and 7
        raise SignatureError(f"signed Host {signed.host!r} is not {expected_host!r}")
    _check_time_window(signed, _require_aware(now), max_past=max_past, max_future=max_future)
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


def _normalise_authority(authority: str, url_scheme: str) -> str:
    """Lowercase host without trailing dot, plus the port unless it is the scheme's default."""
    host, port_text = _split_authority(authority.strip().lower())
    if not _HOSTNAME.fullmatch(host) or (port_text and not port_text.isdigit()):
        raise SignatureError(f"host {authority!r} is malformed")
    port = int(port_text) if port_text else None
    if port in (None, DEFAULT_PORTS.get(url_scheme)):
        return host
    return f"{host}:{port}"


def _split_authority(text: str) -> tuple[str, str]:
    if text.startswith("["):  # IPv6 literal: its colons are not the port separator
        host, bracket, rest = text.partition("]")
        host += bracket
    else:
        host, colon, port = text.partition(":")
        rest = colon + port
    if rest and (not rest.startswith(":") or rest == ":"):
        raise SignatureError(f"host {text!r} is malformed")
    return host.rstrip("."), rest[1:]


# --- small readers ---------------------------------------------------------------------------------------


def _needs_digest(method: str, body: bytes | None) -> bool:
    return bool(body) or method.upper() not in BODYLESS_METHODS


def _http_date(value: str) -> datetime:
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError) as exc:
        raise SignatureError(f"Date header {value!r} is not an HTTP date") from exc
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _param_time(params: Mapping[str, str], name: str) -> datetime:
    try:
        return datetime.fromtimestamp(int(params[name]), UTC)
    except (KeyError, ValueError, OverflowError, OSError) as exc:
        raise SignatureError(f"Signature {name} parameter is missing or out of range") from exc


def _b64decode(value: str, what: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SignatureError(f"{what} is not valid base64") from exc


def _check_signature_length(value: str, header: str) -> None:
    if len(value) > MAX_SIGNATURE_HEADER_CHARS:
        raise SignatureError(f"{header} header is longer than {MAX_SIGNATURE_HEADER_CHARS} characters")


def _replay_key(signature: bytes) -> str:
    return hashlib.sha256(signature).hexdigest()


def _require_aware(now: datetime) -> datetime:
    if now.tzinfo is None:
        raise ValueError("now must be a timezone-aware datetime")
    return now
