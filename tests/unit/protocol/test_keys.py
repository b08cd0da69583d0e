"""Tests: protocol.keys: key generation and the key policy (RSA 2048-4096 with e = 65537, or Ed25519)."""

import secrets

import pytest
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed25519, rsa

from circlefed.errors import KeyRejected, SignatureError
from circlefed.protocol.keys import (
    generate_rsa_keypair,
    load_private_key,
    load_public_key,
    public_key_to_pem,
    sign_bytes,
    verify_bytes,
)


def rsa_public_pem(bits: int, exponent: int = 65537) -> str:
    """A syntactically valid RSA public key of any size, without the cost of generating a real one."""
    modulus = secrets.randbits(bits) | (1 << (bits - 1)) | 1
    return public_key_to_pem(rsa.RSAPublicNumbers(exponent, modulus).public_key())


def test_generated_keypair_is_rsa_2048_with_exponent_65537_in_pkcs8_and_spki_pem():
    private_pem, public_pem = generate_rsa_keypair()

    assert private_pem.startswith("-----BEGIN PRIVATE KEY-----")
    assert public_pem.startswith("-----BEGIN PUBLIC KEY-----")
    public_key = load_public_key(public_pem)
    assert isinstance(public_key, rsa.RSAPublicKey)
    assert public_key.key_size == 2048
    assert public_key.public_numbers().e == 65537
    assert load_private_key(private_pem).public_key().public_numbers() == public_key.public_numbers()


def test_rsa_4096_public_key_is_accepted():
    assert load_public_key(rsa_public_pem(4096)).key_size == 4096


def test_ed25519_keys_are_accepted():
    private_key = ed25519.Ed25519PrivateKey.generate()

    assert isinstance(load_public_key(public_key_to_pem(private_key.public_key())), ed25519.Ed25519PublicKey)


# SPEC: PROTOCOL.md attack 22
@pytest.mark.parametrize(
    ("bits", "exponent"),
    [(1024, 65537), (8192, 65537), (16384, 65537), (2048, 3), (2048, 2**64 + 1)],
    ids=["1024-bit", "8192-bit", "16384-bit", "e=3", "huge-e"],
)
def test_rsa_keys_outside_the_policy_are_rejected(bits, exponent):
    with pytest.raises(KeyRejected):
        load_public_key(rsa_public_pem(bits, exponent))


def test_ec_p256_key_is_rejected():
    pem = public_key_to_pem(ec.generate_private_key(ec.SECP256R1()).public_key())

    with pytest.raises(KeyRejected, match="not RSA or Ed25519"):
        load_public_key(pem)


def test_dsa_key_is_rejected():
    weak_dsa = dsa.generate_private_key(key_size=1024)  # noqa: S505 - any DSA key must be refused
    pem = public_key_to_pem(weak_dsa.public_key())

    with pytest.raises(KeyRejected, match="not RSA or Ed25519"):
        load_public_key(pem)


@pytest.mark.parametrize(
    "pem",
    ["", "not a key", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", "clé ünicode"],
)
def test_garbage_public_pem_is_rejected(pem):
    with pytest.raises(KeyRejected):
        load_public_key(pem)


def test_private_pem_is_not_accepted_as_a_public_key():
    private_pem, _ = generate_rsa_keypair()

    with pytest.raises(KeyRejected):
        load_public_key(private_pem)


def test_unreadable_private_key_error_carries_no_key_material():
    private_pem, _ = generate_rsa_keypair()
    broken = private_pem.replace("MII", "XXX", 1)

    with pytest.raises(KeyRejected) as caught:
        load_private_key(broken)

    assert broken[40:80] not in str(caught.value)
    assert caught.value.__cause__ is None


def test_key_rejected_is_a_signature_error_so_callers_answer_401():
    assert issubclass(KeyRejected, SignatureError)


def test_sign_and_verify_bytes_use_the_algorithm_of_the_key_type():
    rsa_private = load_private_key(generate_rsa_keypair()[0])
    ed_private = ed25519.Ed25519PrivateKey.generate()

    for private_key in (rsa_private, ed_private):
        signature = sign_bytes(private_key, b"message")
        verify_bytes(private_key.public_key(), signature, b"message")
        with pytest.raises(SignatureError):
            verify_bytes(private_key.public_key(), signature, b"other message")
