"""Protocol: actor key pairs, the key policy every verification goes through, and key-typed sign/verify."""

from __future__ import annotations

import functools

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

from circlefed.errors import KeyRejected, SignatureError

RSA_KEY_BITS = 2048
RSA_MIN_BITS = 2048
RSA_MAX_BITS = 4096
RSA_EXPONENT = 65537

PrivateKey = rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey
PublicKey = rsa.RSAPublicKey | ed25519.Ed25519PublicKey


def generate_rsa_keypair() -> tuple[str, str]:
    """Return a new RSA-2048 key pair as (private PKCS#8 PEM, public SubjectPublicKeyInfo PEM)."""
    private_key = rsa.generate_private_key(public_exponent=RSA_EXPONENT, key_size=RSA_KEY_BITS)
    private_pem = private_key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    )
    return private_pem.decode("ascii"), public_key_to_pem(private_key.public_key())


def public_key_to_pem(public_key: PublicKey) -> str:
    """Serialise a public key as SubjectPublicKeyInfo PEM (the `publicKeyPem` format)."""
    pem = public_key.public_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PublicFormat.SubjectPublicKeyInfo,
    )
    return pem.decode("ascii")


# Parsing validates RSA private keys (tens of milliseconds each); every delivery signs, so parse once per key.
@functools.lru_cache(maxsize=1024)
def load_private_key(pem: str) -> PrivateKey:
    """Load an unencrypted PEM private key; only RSA (within the key policy) and Ed25519 are accepted."""
    try:
        private_key = serialization.load_pem_private_key(pem.encode("ascii"), password=None)
    except (ValueError, TypeError, UnicodeEncodeError, UnsupportedAlgorithm):
        # `from None`: the parser's error must not travel with anything derived from private material.
        raise KeyRejected("private key is not a readable unencrypted PEM key") from None
    if not isinstance(private_key, rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey):
        raise KeyRejected(f"private key type {type(private_key).__name__} is not RSA or Ed25519")
    check_key_policy(private_key.public_key())
    return private_key


@functools.lru_cache(maxsize=4096)
def load_public_key(pem: str) -> PublicKey:
    """Load a PEM public key, refusing anything outside the key policy before it is ever used to verify."""
    try:
        public_key = serialization.load_pem_public_key(pem.encode("ascii"))
    except (ValueError, TypeError, UnicodeEncodeError, UnsupportedAlgorithm) as exc:
        raise KeyRejected("public key is not a readable PEM key") from exc
    return check_key_policy(public_key)


def check_key_policy(public_key: object) -> PublicKey:
    """Return the key if it is RSA 2048-4096 bits with e = 65537, or Ed25519; raise KeyRejected otherwise."""
    # SPEC: PROTOCOL.md attack 22 (oversized keys or exponents make every verify expensive)
    if isinstance(public_key, ed25519.Ed25519PublicKey):
        return public_key
    if not isinstance(public_key, rsa.RSAPublicKey):
        raise KeyRejected(f"key type {type(public_key).__name__} is not RSA or Ed25519")
    if not RSA_MIN_BITS <= public_key.key_size <= RSA_MAX_BITS:
        raise KeyRejected(
            f"RSA key of {public_key.key_size} bits is outside {RSA_MIN_BITS}-{RSA_MAX_BITS} bits"
        )
    exponent = public_key.public_numbers().e
    if exponent != RSA_EXPONENT:
        raise KeyRejected(f"RSA public exponent {exponent} is not {RSA_EXPONENT}")
    return public_key


def sign_bytes(private_key: PrivateKey, data: bytes) -> bytes:
    """Sign with the one algorithm the key type allows: RSASSA-PKCS1-v1_5/SHA-256 or Ed25519."""
    if isinstance(private_key, rsa.RSAPrivateKey):
        return private_key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    return private_key.sign(data)


def verify_bytes(public_key: PublicKey, signature: bytes, data: bytes) -> None:
    """Verify with the algorithm the key type dictates, never one named by the sender (attack 6)."""
    try:
        if isinstance(public_key, rsa.RSAPublicKey):
            public_key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
        else:
            public_key.verify(signature, data)
    except InvalidSignature:
        raise SignatureError("signature does not verify with the key") from None
