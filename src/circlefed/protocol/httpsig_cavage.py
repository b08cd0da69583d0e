"""Protocol: draft-cavage signatures: the Signature header's parameters, what it must cover, the signing string."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from circlefed.errors import SignatureError
from circlefed.protocol.httpsig_digests import BODYLESS_METHODS

CAVAGE_ALGORITHMS = frozenset({"hs2019", "rsa-sha256", "ed25519"})
_CAVAGE_PARAM = re.compile(
    r'[ \t]*(?P<name>[A-Za-z][A-Za-z0-9_-]*)=(?:"(?P<quoted>[^"\\]*)"|(?P<number>[0-9]+))[ \t]*(?:,|\Z)'
)


def cavage_names_to_sign(method: str, values: Mapping[str, str]) -> tuple[str, ...]:
    """What our cavage signatures cover: target, Host, Date, and Digest and Content-Type when present."""
    optional = ("digest", "content-type") if method.upper() not in BODYLESS_METHODS else ("accept",)
    return ("(request-target)", "host", "date", *(name for name in optional if name in values))


def parse_cavage_params(value: str) -> dict[str, str]:
    """The Signature header's name="value" parameters, each once; SignatureError on anything else."""
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


def check_cavage_coverage(covered: Sequence[str], algorithm: str | None, *, needs_digest: bool) -> None:
    """Refuse a signature that leaves out the target, the host, the time or the body's digest."""
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


def cavage_signing_string(
    covered: Sequence[str], method: str, path_qs: str, values: Mapping[str, str], params: Mapping[str, str]
) -> bytes:
    """The lines a cavage signature signs, one per covered name, ASCII only."""
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
