"""Tests: protocol.httpsig_*, draft-cavage: signing, the httpsig package as an oracle, and every refusal."""

import base64
import hashlib
import re
import secrets
from datetime import UTC, datetime, timedelta

import httpsig as oracle  # independent implementation, test oracle only (never used at runtime)
import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from circlefed.errors import KeyRejected, SignatureError
from circlefed.protocol import httpsig_verify
from circlefed.protocol.httpsig_digests import body_digest_headers
from circlefed.protocol.httpsig_headers import format_http_date
from circlefed.protocol.httpsig_parse import parse_signed_request
from circlefed.protocol.httpsig_sign import sign_cavage
from circlefed.protocol.httpsig_verify import verify_signed_request
from circlefed.protocol.keys import generate_rsa_keypair, load_private_key, public_key_to_pem, sign_bytes

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
HOST = "circle.example"
KEY_ID = "https://remote.example/users/alice#main-key"
BODY = b'{"type":"Create","actor":"https://remote.example/users/alice"}'
PRIVATE_PEM, PUBLIC_PEM = generate_rsa_keypair()
REQUIRED = ["(request-target)", "host", "date", "digest"]


def signed_post(body=BODY, *, path="/inbox", now=NOW, private_pem=PRIVATE_PEM):
    return sign_cavage(
        method="POST",
        url=f"https://{HOST}{path}",
        headers={"Content-Type": "application/activity+json"},
        body=body,
        key_id=KEY_ID,
        private_key_pem=private_pem,
        now=now,
    )


def receive(headers, *, method="POST", path="/inbox", body=BODY, now=NOW, public_pem=PUBLIC_PEM, host=HOST):
    """What the inbox does: parse, fetch the key (here: given), verify."""
    pairs = list(headers.items()) if isinstance(headers, dict) else headers
    signed = parse_signed_request(method=method, path_qs=path, headers=pairs, body=body)
    verify_signed_request(signed, public_key_pem=public_pem, expected_host=host, now=now)
    return signed


def oracle_signed(headers, *, covered=REQUIRED, algorithm="rsa-sha256", secret=PRIVATE_PEM, path="/inbox"):
    signer = oracle.HeaderSigner(
        key_id=KEY_ID, secret=secret, algorithm=algorithm, headers=covered, sign_header="signature"
    )
    return signer.sign(dict(headers), method="POST", path=path)


def plain_headers(body=BODY, **overrides):
    headers = {"Host": HOST, "Date": format_http_date(NOW), "Digest": body_digest_headers(body)["Digest"]}
    return {**headers, **overrides}


# --- signing and round trips ---------------------------------------------------------------------------


def test_post_is_signed_in_mastodons_profile_and_round_trips():
    headers = signed_post()

    assert headers["Host"] == HOST
    assert headers["Date"] == "Thu, 01 Jan 2026 12:00:00 GMT"
    assert headers["Digest"].startswith("SHA-256=")
    assert headers["Content-Digest"].startswith("sha-256=:")
    assert 'algorithm="rsa-sha256"' in headers["Signature"]
    assert 'headers="(request-target) host date digest content-type"' in headers["Signature"]
    signed = receive(headers)
    assert (signed.scheme, signed.key_id, signed.date) == ("cavage", KEY_ID, NOW)


def test_get_with_query_signs_accept_and_round_trips():
    headers = sign_cavage(
        method="GET",
        url=f"https://{HOST}/users/bob/outbox?page=2&min_id=5",
        headers={"Accept": "application/activity+json"},
        body=None,
        key_id=KEY_ID,
        private_key_pem=PRIVATE_PEM,
        now=NOW,
    )

    assert 'headers="(request-target) host date accept"' in headers["Signature"]
    assert "Digest" not in headers
    receive(headers, method="GET", path="/users/bob/outbox?page=2&min_id=5", body=None)


def test_get_without_accept_signs_request_target_host_and_date():
    headers = sign_cavage(
        method="GET",
        url=f"https://{HOST}/actor",
        headers={},
        body=None,
        key_id=KEY_ID,
        private_key_pem=PRIVATE_PEM,
        now=NOW,
    )

    assert 'headers="(request-target) host date"' in headers["Signature"]


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://Circle.Example:8443/inbox", "circle.example:8443"),
        ("https://circle.example:443/inbox", HOST),
        ("http://circle.example:80/inbox", HOST),
    ],
)
def test_host_header_is_the_url_authority_with_non_default_port_only(url, host):
    headers = sign_cavage(
        method="POST", url=url, headers={}, body=b"{}", key_id=KEY_ID, private_key_pem=PRIVATE_PEM, now=NOW
    )

    assert headers["Host"] == host


def test_caller_supplied_host_date_and_signature_headers_are_replaced_not_duplicated():
    stale = {"host": "evil.example", "DATE": "Mon, 01 Jan 2001 00:00:00 GMT", "signature": "x"}
    headers = sign_cavage(
        method="POST",
        url=f"https://{HOST}/inbox",
        headers=stale,
        body=BODY,
        key_id=KEY_ID,
        private_key_pem=PRIVATE_PEM,
        now=NOW,
    )

    names = sorted(name.lower() for name in headers)
    assert names == ["content-digest", "date", "digest", "host", "signature"]
    receive(headers)


def test_ed25519_key_signs_as_hs2019_and_verifies():
    private_key = ed25519.Ed25519PrivateKey.generate()
    private_pem = private_key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()).decode()

    headers = signed_post(private_pem=private_pem)

    assert 'algorithm="hs2019"' in headers["Signature"]
    receive(headers, public_pem=public_key_to_pem(private_key.public_key()))


def test_authorization_signature_header_is_accepted():
    headers = signed_post()
    headers["Authorization"] = "Signature " + headers.pop("Signature")

    receive(headers)


# --- the independent oracle ----------------------------------------------------------------------------


def test_oracle_verifies_our_post_signature():
    headers = signed_post(path="/inbox?shared=1")

    verifier = oracle.HeaderVerifier(
        headers=headers,
        secret=PUBLIC_PEM,
        required_headers=REQUIRED,
        method="POST",
        path="/inbox?shared=1",
        sign_header="signature",
    )
    assert verifier.verify()


def test_we_verify_a_post_signed_by_the_oracle():
    receive(oracle_signed(plain_headers()))


def test_lowercase_digest_algorithm_name_is_accepted():
    lowercase = body_digest_headers(BODY)["Digest"].replace("SHA-256=", "sha-256=")

    receive(oracle_signed(plain_headers(Digest=lowercase)))


def test_sha512_digest_is_accepted():
    digest = "SHA-512=" + base64.b64encode(hashlib.sha512(BODY).digest()).decode()

    receive(oracle_signed(plain_headers(Digest=digest)))


def test_signature_covering_content_digest_instead_of_digest_is_accepted():
    headers = {"Host": HOST, "Date": format_http_date(NOW), **body_digest_headers(BODY)}
    del headers["Digest"]

    receive(oracle_signed(headers, covered=["(request-target)", "host", "date", "content-digest"]))


def lemmy_style_signed(*, algorithm="hs2019", created=NOW, expires=None):
    """hs2019 with (created)/(expires) instead of Date, built here by hand from the cavage-12 text."""
    created_ts = int(created.timestamp())
    lines = [
        "(request-target): post /inbox",
        f"(created): {created_ts}",
        f"host: {HOST}",
        f"digest: {body_digest_headers(BODY)['Digest']}",
    ]
    covered = "(request-target) (created) host digest"
    params = f'keyId="{KEY_ID}",algorithm="{algorithm}",created={created_ts}'
    if expires is not None:
        lines.append(f"(expires): {int(expires.timestamp())}")
        covered += " (expires)"
        params += f",expires={int(expires.timestamp())}"
    signature = base64.b64encode(sign_bytes(load_private_key(PRIVATE_PEM), "\n".join(lines).encode()))
    header = f'{params},headers="{covered}",signature="{signature.decode()}"'
    return {"Host": HOST, "Digest": body_digest_headers(BODY)["Digest"], "Signature": header}


def test_hs2019_signature_with_created_instead_of_date_is_accepted():
    signed = receive(lemmy_style_signed(expires=NOW + timedelta(hours=1)))

    assert (signed.algorithm, signed.created, signed.date) == ("hs2019", NOW, None)


# SPEC: PROTOCOL.md attack 13
def test_stale_created_is_refused():
    with pytest.raises(SignatureError, match="created"):
        receive(lemmy_style_signed(created=NOW - timedelta(hours=2)))


def test_expired_signature_is_refused():
    with pytest.raises(SignatureError, match="expired"):
        receive(lemmy_style_signed(created=NOW - timedelta(minutes=10), expires=NOW - timedelta(minutes=1)))


def test_created_with_rsa_sha256_label_is_refused():
    with pytest.raises(SignatureError, match="only valid with hs2019"):
        receive(lemmy_style_signed(algorithm="rsa-sha256"))


# --- attacks -------------------------------------------------------------------------------------------


# SPEC: PROTOCOL.md attack 5
def test_tampered_body_fails_the_digest_check():
    with pytest.raises(SignatureError, match="does not match the body"):
        receive(signed_post(), body=BODY.replace(b"Create", b"Delete"))


# SPEC: PROTOCOL.md attack 5
def test_removed_digest_header_is_refused():
    headers = signed_post()
    del headers["Digest"], headers["Content-Digest"]

    with pytest.raises(SignatureError, match="Digest"):
        receive(headers)


# SPEC: PROTOCOL.md attack 5
def test_swapped_body_with_recomputed_digest_fails_the_signature():
    forged_body = BODY.replace(b"Create", b"Delete")
    headers = {**signed_post(), **body_digest_headers(forged_body)}

    with pytest.raises(SignatureError, match="does not verify"):
        receive(headers, body=forged_body)


# SPEC: PROTOCOL.md attack 5
def test_signature_for_another_host_is_refused():
    with pytest.raises(SignatureError, match="Host"):
        receive(signed_post(), host="other.example")


# SPEC: PROTOCOL.md attack 5
@pytest.mark.parametrize("path", ["/users/bob/inbox", "/inbox?shared=1", "/Inbox"])
def test_changed_request_target_is_refused(path):
    with pytest.raises(SignatureError, match="does not verify"):
        receive(signed_post(path="/inbox"), path=path)


# SPEC: PROTOCOL.md attack 7
@pytest.mark.parametrize("expected_host", ["CIRCLE.example", "circle.example.", "circle.example:443"])
def test_host_comparison_ignores_case_trailing_dot_and_default_port(expected_host):
    receive(signed_post(), host=expected_host)


# SPEC: PROTOCOL.md attack 7
def test_host_with_another_port_is_refused():
    with pytest.raises(SignatureError, match="Host"):
        receive(signed_post(), host="circle.example:8443")


# SPEC: PROTOCOL.md attack 6
def test_hmac_forgery_keyed_with_the_public_pem_is_refused():
    forged = oracle_signed(plain_headers(), algorithm="hmac-sha256", secret=PUBLIC_PEM)
    naive = oracle.HeaderVerifier(
        headers=forged,
        secret=PUBLIC_PEM,
        required_headers=REQUIRED,
        method="POST",
        path="/inbox",
        sign_header="signature",
    )
    assert naive.verify()  # the forgery is real: a verifier trusting the header's algorithm accepts it

    with pytest.raises(SignatureError, match="hmac-sha256"):
        receive(forged)


# SPEC: PROTOCOL.md attack 6
def test_rsa_sha1_signature_is_refused():
    with pytest.raises(SignatureError, match="rsa-sha1"):
        receive(oracle_signed(plain_headers(), algorithm="rsa-sha1"))


# SPEC: PROTOCOL.md attack 6
def test_rsa_sha256_claim_with_an_ed25519_key_is_refused():
    private_key = ed25519.Ed25519PrivateKey.generate()
    private_pem = private_key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()).decode()
    headers = signed_post(private_pem=private_pem)
    headers["Signature"] = headers["Signature"].replace("hs2019", "rsa-sha256")

    with pytest.raises(SignatureError, match="claims rsa-sha256"):
        receive(headers, public_pem=public_key_to_pem(private_key.public_key()))


# SPEC: PROTOCOL.md attack 5
@pytest.mark.parametrize("left_out", REQUIRED)
def test_signature_not_covering_a_required_component_is_refused(left_out):
    covered = [name for name in REQUIRED if name != left_out]

    with pytest.raises(SignatureError, match="does not cover"):
        receive(oracle_signed(plain_headers(), covered=covered))


def test_uppercase_header_names_in_the_signature_still_count_as_covered():
    covered = ["(request-target)", "Host", "Date", "Digest"]

    receive(oracle_signed(plain_headers(), covered=covered))


# SPEC: PROTOCOL.md attack 13 (a second copy lets the verifier and the app read different values)
@pytest.mark.parametrize("name", ["Signature", "Date", "Digest", "Host", "Content-Digest"])
def test_duplicated_security_header_is_refused(name):
    headers = signed_post()
    pairs = [*headers.items(), (name.lower(), headers[name])]

    with pytest.raises(SignatureError, match=f"repeats the {name.lower()} header"):
        receive(pairs)


def test_appended_copy_of_an_ordinary_signed_header_breaks_the_signature():
    headers = sign_cavage(
        method="GET",
        url=f"https://{HOST}/actor",
        headers={"Accept": "application/activity+json"},
        body=None,
        key_id=KEY_ID,
        private_key_pem=PRIVATE_PEM,
        now=NOW,
    )
    pairs = [*headers.items(), ("Accept", "text/html")]

    with pytest.raises(SignatureError, match="does not verify"):
        receive(pairs, method="GET", path="/actor", body=None)


# SPEC: PROTOCOL.md attack 13
@pytest.mark.parametrize("age", [timedelta(hours=2), -timedelta(minutes=10)], ids=["2h-old", "10min-ahead"])
def test_date_outside_the_window_is_refused(age):
    with pytest.raises(SignatureError, match="Date"):
        receive(signed_post(now=NOW - age))


def test_date_59_minutes_old_is_accepted():
    receive(signed_post(now=NOW - timedelta(minutes=59)))


def test_wrong_key_is_refused():
    _, other_public_pem = generate_rsa_keypair()

    with pytest.raises(SignatureError, match="does not verify"):
        receive(signed_post(), public_pem=other_public_pem)


# SPEC: PROTOCOL.md attack 22
def test_oversized_key_is_refused_before_any_verification(monkeypatch):
    modulus = secrets.randbits(8192) | (1 << 8191) | 1
    oversized_pem = public_key_to_pem(rsa.RSAPublicNumbers(65537, modulus).public_key())
    verifications = []
    monkeypatch.setattr(httpsig_verify, "verify_bytes", lambda *args: verifications.append(args))

    with pytest.raises(KeyRejected, match="8192 bits"):
        receive(signed_post(), public_pem=oversized_pem)
    assert verifications == []


# SPEC: PROTOCOL.md attack 13
def test_replay_key_is_stable_for_a_captured_request_and_new_for_a_fresh_signature():
    captured = signed_post()
    fresh = signed_post(now=NOW + timedelta(seconds=1))

    later = NOW + timedelta(seconds=1)
    first, replayed, resigned = (receive(h, now=later) for h in (captured, captured, fresh))

    assert first.replay_key == replayed.replay_key
    assert first.replay_key != resigned.replay_key


@pytest.mark.parametrize(
    "signature",
    [
        'keyId="k",signature="AAAA",keyId="j"',
        'keyId="k" signature="AAAA"',
        'keyId="k",signature="!!!!"',
        "x" * 5000,
        'signature="AAAA"',
    ],
    ids=["repeated-param", "no-comma", "bad-base64", "oversized", "no-keyId"],
)
def test_malformed_signature_header_is_refused(signature):
    headers = {**signed_post(), "Signature": signature}

    with pytest.raises(SignatureError):
        receive(headers)


def test_content_digest_must_match_too_when_both_digests_are_sent():
    headers = {**signed_post(), "Content-Digest": body_digest_headers(b"other")["Content-Digest"]}

    with pytest.raises(SignatureError, match="Content-Digest sha-256 does not match"):
        receive(headers)


def test_line_break_in_a_signed_header_is_refused():
    headers = oracle_signed(plain_headers(), covered=["(request-target)", "host", "date", "digest"])
    headers["host"] = HOST + "\ndate: " + headers["date"]

    with pytest.raises(SignatureError, match="line break"):
        receive(headers)


def test_naive_now_is_a_programming_error():
    pairs = list(signed_post().items())
    signed = parse_signed_request(method="POST", path_qs="/inbox", headers=pairs, body=BODY)

    with pytest.raises(ValueError, match="timezone-aware"):
        verify_signed_request(signed, public_key_pem=PUBLIC_PEM, expected_host=HOST, now=datetime(2026, 1, 1))


CAPTURED = signed_post()  # signed once: loading the private key dominates each example's cost


def test_the_captured_request_of_the_fuzzer_below_is_accepted_as_sent():
    assert receive(CAPTURED).key_id == KEY_ID  # the control: only the fuzzed header makes the difference


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300), st.sampled_from(["Signature", "Authorization", "Date", "Digest", "Host"]))
def test_any_garbage_in_a_signature_header_is_refused_with_signature_error(value, name):
    # Authorization: the signature sent as `Authorization: Signature ...` instead of a Signature header.
    headers = dict(CAPTURED)
    if name == "Authorization":
        del headers["Signature"]
        value = f"Signature {value}"
    assume(value.strip(" \t") != CAPTURED.get(name, "").strip(" \t"))  # whitespace around a value is not part of it
    assume(name != "Host" or value.strip(" \t").lower() != HOST)  # host names are case-insensitive

    headers[name] = value
    with pytest.raises(SignatureError):
        receive(headers)


@settings(max_examples=200, deadline=None)
@given(st.binary(min_size=1, max_size=600))
def test_any_other_signature_bytes_in_a_well_formed_header_are_refused(forged):
    # Garbage that parses: only the verification itself can refuse it.
    signature = re.sub(r'signature="[^"]*"', f'signature="{base64.b64encode(forged).decode()}"', CAPTURED["Signature"])
    assume(signature != CAPTURED["Signature"])

    with pytest.raises(SignatureError, match="signature does not verify"):
        receive({**CAPTURED, "Signature": signature})
