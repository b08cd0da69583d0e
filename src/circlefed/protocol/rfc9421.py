"""Protocol: RFC 9421 HTTP message signatures (Mastodon >= 4.5, Fedify) on top of http-message-signatures."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import http_sf
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from http_message_signatures import (
    HTTPMessageSignaturesException,
    HTTPMessageSigner,
    HTTPMessageVerifier,
    HTTPSignatureAlgorithm,
    HTTPSignatureKeyResolver,
    algorithms,
)

from circlefed.errors import SignatureError
from circlefed.protocol.keys import PrivateKey, PublicKey

SIGNATURE_LABEL = "sig1"
ACCEPTED_ALGORITHMS = frozenset({"rsa-v1_5-sha256", "ed25519"})
# What Fedify covers; Mastodon >= 4.5 accepts it.
SIGNED_COMPONENTS = ("@method", "@target-uri", "@authority", "host", "date")


@dataclass(frozen=True)
class Rfc9421Fields:
    """The single signature of a request, as read from Signature-Input and Signature (not yet verified)."""

    key_id: str
    algorithm: str | None
    covered: tuple[str, ...]
    created: datetime
    expires: datetime | None
    signature: bytes


def parse_signature_fields(signature_input: str, signature: str) -> Rfc9421Fields:
    """Read exactly one signature; refuse algorithms other than rsa-v1_5-sha256 and ed25519 up front."""
    inputs = _parse_dictionary(signature_input, "Signature-Input")
    signatures = _parse_dictionary(signature, "Signature")
    if len(inputs) != 1 or inputs.keys() != signatures.keys():
        raise SignatureError("Signature-Input and Signature must carry one signature under the same label")
    label = next(iter(inputs))
    members, params = inputs[label]
    signature_bytes, _ = signatures[label]
    if not isinstance(members, list) or not isinstance(signature_bytes, bytes):
        raise SignatureError("Signature-Input must be an inner list and Signature a byte sequence")
    algorithm = params.get("alg")
    if algorithm is not None and algorithm not in ACCEPTED_ALGORITHMS:
        # SPEC: PROTOCOL.md attack 6
        raise SignatureError(f"signature algorithm {algorithm!r} is not accepted")
    key_id = params.get("keyid")
    if not isinstance(key_id, str) or not key_id:
        raise SignatureError("Signature-Input has no keyid")
    return Rfc9421Fields(
        key_id=key_id,
        algorithm=algorithm,
        covered=tuple(_component_name(name, component_params) for name, component_params in members),
        created=_timestamp(params.get("created"), "created"),
        expires=_timestamp(params["expires"], "expires") if "expires" in params else None,
        signature=signature_bytes,
    )


def missing_components(covered: Sequence[str], *, needs_digest: bool, has_query: bool) -> list[str]:
    """Name the components a circlefed-acceptable signature must cover but this one does not."""
    missing = [] if "@method" in covered else ["@method"]
    if "@target-uri" not in covered:
        # @authority + @path leave the query unbound unless @query is covered too (attack 5).
        wanted = ["@authority", "@path"] + (["@query"] if has_query else [])
        missing += [name for name in wanted if name not in covered]
    if needs_digest and "content-digest" not in covered:
        missing.append("content-digest")
    return missing


def sign_message(
    *,
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes | None,
    key_id: str,
    private_key: PrivateKey,
    created: datetime,
) -> dict[str, str]:
    """Return the Signature-Input and Signature headers for a request whose other headers are final."""
    message = _Message(method=method.upper(), url=url, headers=dict(headers))
    covered = [name for name in SIGNED_COMPONENTS if name.startswith("@") or name in _lower_keys(headers)]
    if body is not None:
        covered.append("content-digest")
    algorithm = algorithm_for_key(private_key.public_key())
    signer = HTTPMessageSigner(signature_algorithm=algorithm, key_resolver=_OneKey(key_id, private_key))
    try:
        signer.sign(
            message,
            key_id=key_id,
            created=created,
            label=SIGNATURE_LABEL,
            covered_component_ids=covered,
            body=body,
            use_existing_digest=body is not None,
        )
    except HTTPMessageSignaturesException as exc:
        raise SignatureError(f"cannot sign the request with RFC 9421: {exc}") from exc
    return {name: message.headers[name] for name in ("Signature-Input", "Signature")}


def verify_message(
    *,
    method: str,
    url: str,
    headers: Sequence[tuple[str, str]],
    body: bytes | None,
    public_key: PublicKey,
) -> None:
    """Verify the signature with the algorithm the key type dictates; time is checked by the caller."""
    message = _Message(method=method.upper(), url=url, headers=_FieldLines(tuple(headers)))
    verifier = _CallerClockVerifier(
        signature_algorithm=algorithm_for_key(public_key), key_resolver=_OneKey(None, public_key)
    )
    try:
        verifier.verify(message, max_age=None, body=body or b"")
    except HTTPMessageSignaturesException as exc:
        raise SignatureError(f"RFC 9421 signature does not verify: {exc}") from exc


def algorithm_for_key(public_key: PublicKey) -> type[HTTPSignatureAlgorithm]:
    """The only algorithm a key may be used with, whatever the request claims."""
    if isinstance(public_key, rsa.RSAPublicKey):
        return algorithms.RSA_V1_5_SHA256
    if isinstance(public_key, ed25519.Ed25519PublicKey):
        return algorithms.ED25519
    raise SignatureError(f"no RFC 9421 algorithm for key type {type(public_key).__name__}")


class _CallerClockVerifier(HTTPMessageVerifier):
    """The library checks `created` against the wall clock; circlefed checks it with an explicit now."""

    def validate_created_and_expires(self, sig_input: object, max_age: object = None) -> None:
        return None


class _OneKey(HTTPSignatureKeyResolver):
    """Hands the library the one key the caller already fetched and vetted."""

    def __init__(self, key_id: str | None, key: PrivateKey | PublicKey) -> None:
        self._key_id = key_id
        self._key = key

    def resolve_public_key(self, key_id: str) -> PublicKey:
        return self._key  # type: ignore[return-value]

    def resolve_private_key(self, key_id: str) -> PrivateKey:
        if key_id != self._key_id:
            raise SignatureError("asked to sign with an unknown key id")
        return self._key  # type: ignore[return-value]


@dataclass
class _Message:
    """The request shape the library reads: uppercase method, absolute URL, headers with items()."""

    method: str
    url: str
    headers: object


@dataclass(frozen=True)
class _FieldLines:
    """Read-only header view that keeps every field line, as received."""

    lines: tuple[tuple[str, str], ...]

    def items(self) -> Iterable[tuple[str, str]]:
        return iter(self.lines)


def _parse_dictionary(value: str, header: str) -> dict:
    def reject_duplicate(key: str, context: str) -> None:
        raise SignatureError(f"{header} repeats {key!r}")

    try:
        parsed = http_sf.parse(value.encode("ascii"), tltype="dictionary", on_duplicate_key=reject_duplicate)
    except (ValueError, UnicodeEncodeError) as exc:
        raise SignatureError(f"{header} is not a valid structured field") from exc
    if not isinstance(parsed, dict):
        raise SignatureError(f"{header} is not a structured field dictionary")
    return parsed


def _component_name(name: object, params: Mapping[str, object]) -> str:
    if not isinstance(name, str):
        raise SignatureError("Signature-Input components must be strings")
    # A parameterised component (e.g. one @query-param) is not the whole component: keep it distinct.
    return name if not params else http_sf.ser((name, dict(params)))


def _timestamp(value: object, param: str) -> datetime:
    if type(value) is not int:
        raise SignatureError(f"Signature-Input {param} must be an integer timestamp")
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise SignatureError(f"Signature-Input {param} is out of range") from exc


def _lower_keys(headers: Mapping[str, str]) -> set[str]:
    return {name.lower() for name in headers}
