"""Tests: protocol.httpsig_*, RFC 9421: our signatures, the library's own signer as an oracle, and refusals."""

import base64
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from http_message_signatures import HTTPMessageSigner, MappingKeyResolver, algorithms
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from circlefed.errors import SignatureError
from circlefed.protocol.httpsig_headers import format_http_date
from circlefed.protocol.httpsig_parse import parse_signed_request
from circlefed.protocol.httpsig_sign import sign_rfc9421
from circlefed.protocol.httpsig_verify import verify_signed_request
from circlefed.protocol.keys import generate_rsa_keypair, load_private_key, public_key_to_pem

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
HOST = "circle.example"
KEY_ID = "https://remote.example/users/alice#main-key"
BODY = b'{"type":"Create","actor":"https://remote.example/users/alice"}'
PRIVATE_PEM, PUBLIC_PEM = generate_rsa_keypair()


@dataclass
class LibraryRequest:
    """The request shape http-message-signatures documents: uppercase method, absolute URL, headers."""

    method: str
    url: str
    headers: dict = field(default_factory=dict)


def signed_post(body=BODY, *, path="/inbox", now=NOW, private_pem=PRIVATE_PEM):
    return sign_rfc9421(
        method="POST",
        url=f"https://{HOST}{path}",
        headers={"Content-Type": "application/activity+json"},
        body=body,
        key_id=KEY_ID,
        private_key_pem=private_pem,
        now=now,
    )


def receive(headers, *, method="POST", path="/inbox", body=BODY, now=NOW, public_pem=PUBLIC_PEM, host=HOST):
    pairs = list(headers.items()) if isinstance(headers, dict) else headers
    signed = parse_signed_request(method=method, path_qs=path, headers=pairs, body=body)
    verify_signed_request(signed, public_key_pem=public_pem, expected_host=host, now=now)
    return signed


def library_signed(
    *,
    algorithm=algorithms.RSA_V1_5_SHA256,
    key=None,
    url=f"https://{HOST}/inbox",
    body=BODY,
    covered=("@method", "@target-uri", "content-digest"),
    created=NOW,
    include_alg=True,
    headers=None,
):
    """Sign with the library configured directly: a code path independent of circlefed's signer."""
    key = key if key is not None else load_private_key(PRIVATE_PEM)
    request = LibraryRequest("POST", url, dict(headers if headers is not None else {"Host": HOST}))
    resolver = MappingKeyResolver(public_keys={}, private_keys={KEY_ID: key})
    signer = HTTPMessageSigner(signature_algorithm=algorithm, key_resolver=resolver)
    signer.sign(
        request,
        key_id=KEY_ID,
        created=created,
        label="sig",
        covered_component_ids=covered,
        body=body,
        include_alg=include_alg,
    )
    return request.headers


def test_post_is_signed_like_fedify_and_round_trips():
    headers = signed_post()

    assert headers["Signature-Input"].startswith(
        'sig1=("@method" "@target-uri" "@authority" "host" "date" "content-digest");created=1767268800;'
    )
    assert 'alg="rsa-v1_5-sha256"' in headers["Signature-Input"]
    signed = receive(headers)
    assert (signed.scheme, signed.key_id, signed.created) == ("rfc9421", KEY_ID, NOW)


def test_get_with_query_round_trips():
    headers = sign_rfc9421(
        method="GET",
        url=f"https://{HOST}/users/bob/outbox?page=2",
        headers={},
        body=None,
        key_id=KEY_ID,
        private_key_pem=PRIVATE_PEM,
        now=NOW,
    )

    assert "content-digest" not in headers["Signature-Input"]
    receive(headers, method="GET", path="/users/bob/outbox?page=2", body=None)


def test_ed25519_key_round_trips_with_the_ed25519_algorithm():
    private_key = ed25519.Ed25519PrivateKey.generate()
    private_pem = private_key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()).decode()

    headers = signed_post(private_pem=private_pem)

    assert 'alg="ed25519"' in headers["Signature-Input"]
    receive(headers, public_pem=public_key_to_pem(private_key.public_key()))


def test_signature_from_the_library_signer_is_verified():
    receive(library_signed())


def test_library_signature_covering_authority_path_and_query_is_verified():
    covered = ("@method", "@authority", "@path", "@query", "content-digest")

    receive(library_signed(url=f"https://{HOST}/inbox?x=1", covered=covered), path="/inbox?x=1")


# SPEC: PROTOCOL.md attack 5
def test_authority_and_path_without_query_leave_the_query_unbound_and_are_refused():
    covered = ("@method", "@authority", "@path", "content-digest")

    with pytest.raises(SignatureError, match="does not cover @query"):
        receive(library_signed(url=f"https://{HOST}/inbox?x=1", covered=covered), path="/inbox?x=1")


# SPEC: PROTOCOL.md attack 5
def test_tampered_body_is_refused():
    with pytest.raises(SignatureError, match="does not match the body"):
        receive(signed_post(), body=BODY.replace(b"Create", b"Delete"))


# SPEC: PROTOCOL.md attack 5
def test_body_not_covered_by_content_digest_is_refused():
    headers = library_signed(covered=("@method", "@target-uri"), body=None)
    headers["Content-Digest"] = signed_post()["Content-Digest"]

    with pytest.raises(SignatureError, match="does not cover content-digest"):
        receive(headers)


# SPEC: PROTOCOL.md attack 5
def test_signature_for_another_authority_is_refused():
    headers = library_signed(url="https://other.example/inbox", headers={})

    with pytest.raises(SignatureError, match="does not verify"):
        receive(headers)


# SPEC: PROTOCOL.md attack 5
def test_host_header_for_another_host_is_refused():
    with pytest.raises(SignatureError, match="Host"):
        receive(signed_post(), host="other.example")


# SPEC: PROTOCOL.md attack 5
def test_changed_path_is_refused():
    with pytest.raises(SignatureError, match="does not verify"):
        receive(signed_post(path="/inbox"), path="/users/bob/inbox")


# SPEC: PROTOCOL.md attack 13
@pytest.mark.parametrize("age", [timedelta(hours=2), -timedelta(minutes=10)], ids=["2h-old", "10min-ahead"])
def test_created_outside_the_window_is_refused(age):
    with pytest.raises(SignatureError, match="created"):
        receive(library_signed(created=NOW - age))


def test_created_59_minutes_old_is_accepted():
    receive(library_signed(created=NOW - timedelta(minutes=59)))


# SPEC: PROTOCOL.md attack 13
def test_stale_signed_date_is_refused_even_with_fresh_created():
    headers = library_signed(
        covered=("@method", "@target-uri", "date", "content-digest"),
        headers={"Host": HOST, "Date": format_http_date(NOW - timedelta(hours=3))},
    )

    with pytest.raises(SignatureError, match="Date"):
        receive(headers)


# SPEC: PROTOCOL.md attack 6
def test_hmac_claim_forged_with_the_public_pem_is_refused():
    forged = library_signed(algorithm=algorithms.HMAC_SHA256, key=PUBLIC_PEM.encode())

    with pytest.raises(SignatureError, match="hmac-sha256"):
        receive(forged)


# SPEC: PROTOCOL.md attack 6
def test_hmac_forgery_without_alg_is_verified_as_rsa_and_fails():
    forged = library_signed(algorithm=algorithms.HMAC_SHA256, key=PUBLIC_PEM.encode(), include_alg=False)

    with pytest.raises(SignatureError, match="does not verify"):
        receive(forged)


# SPEC: PROTOCOL.md attack 6
def test_ed25519_claim_with_an_rsa_key_is_refused():
    ed_key = ed25519.Ed25519PrivateKey.generate()

    with pytest.raises(SignatureError, match="claims ed25519"):
        receive(library_signed(algorithm=algorithms.ED25519, key=ed_key))


def test_wrong_key_is_refused():
    with pytest.raises(SignatureError, match="does not verify"):
        receive(signed_post(), public_pem=generate_rsa_keypair()[1])


@pytest.mark.parametrize("name", ["Signature-Input", "Signature", "Content-Digest"])
def test_duplicated_signature_header_is_refused(name):
    headers = signed_post()
    pairs = [*headers.items(), (name, headers[name])]

    with pytest.raises(SignatureError, match="repeats"):
        receive(pairs)


def test_two_signatures_in_one_request_are_refused():
    headers = signed_post()
    headers["Signature-Input"] += ", " + headers["Signature-Input"].replace("sig1=", "sig2=", 1)
    headers["Signature"] += ", " + headers["Signature"].replace("sig1=", "sig2=", 1)

    with pytest.raises(SignatureError, match="one signature"):
        receive(headers)


def test_missing_created_is_refused():
    headers = signed_post()
    headers["Signature-Input"] = headers["Signature-Input"].replace(";created=1767268800", "")

    with pytest.raises(SignatureError, match="created"):
        receive(headers)


def test_replay_key_is_stable_for_a_captured_request_and_new_for_a_fresh_signature():
    captured = signed_post()
    fresh = signed_post(now=NOW + timedelta(seconds=1))

    assert receive(captured).replay_key == receive(captured).replay_key
    assert receive(captured).replay_key != receive(fresh).replay_key


CAPTURED = signed_post()  # signed once: loading the private key dominates each example's cost


def test_the_captured_request_of_the_fuzzer_below_is_accepted_as_sent():
    assert receive(CAPTURED).key_id == KEY_ID  # the control: only the fuzzed header makes the difference


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300), st.sampled_from(["Signature-Input", "Signature", "Content-Digest"]))
def test_any_garbage_in_a_signature_header_is_refused_with_signature_error(value, name):
    assume(value.strip(" \t") != CAPTURED[name])  # whitespace around a value is not part of it
    headers = {**CAPTURED, name: value}

    with pytest.raises(SignatureError):
        receive(headers)


@settings(max_examples=200, deadline=None)
@given(st.binary(min_size=1, max_size=600))
def test_any_other_signature_bytes_in_a_well_formed_header_are_refused(forged):
    # Garbage that parses: only the verification itself can refuse it.
    signature = f"sig1=:{base64.b64encode(forged).decode()}:"
    assume(signature != CAPTURED["Signature"])

    with pytest.raises(SignatureError, match="RFC 9421 signature does not verify"):
        receive({**CAPTURED, "Signature": signature})
