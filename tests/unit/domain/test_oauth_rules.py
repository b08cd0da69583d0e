"""OAuth rules (issue 19): scopes and what covers what, redirect URIs an app may register, PKCE (S256 only)."""

from __future__ import annotations

import pytest
from authlib.oauth2.rfc6749 import InvalidGrantError, InvalidRequestError, InvalidScopeError
from authlib.oauth2.rfc7591.errors import InvalidRedirectURIError
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from circlefed.domain.oauth_redirects import OOB, form_action_source, parse_redirect_uris, registered
from circlefed.domain.oauth_scopes import check_within, covers, describe, parse_scopes
from circlefed.domain.oauth_tokens import check_challenge, check_verifier, hash_secret

VERIFIER = "a" * 43


def test_scopes_are_parsed_once_each_with_read_by_default():
    assert parse_scopes("read write read") == ("read", "write")
    assert parse_scopes("read+write:statuses") == ("read", "write:statuses")
    assert parse_scopes("") == ("read",) and parse_scopes(None) == ("read",)
    with pytest.raises(InvalidScopeError, match="admin:read"):
        parse_scopes("read admin:read")


@pytest.mark.parametrize(
    ("granted", "scope", "allowed"),
    [
        (("read",), "read:statuses", True),
        (("read:statuses",), "read", False),
        (("read:statuses",), "read:accounts", False),
        (("write",), "read:accounts", False),
        (("follow",), "write:follows", True),
        (("follow",), "read:statuses", False),
        (("profile",), "profile", True),
    ],
)
def test_a_parent_scope_covers_its_granular_ones(granted, scope, allowed):
    assert covers(granted, scope) is allowed


def test_a_request_stays_within_the_apps_scopes():
    check_within(("read:statuses", "write:follows"), ("read", "follow"))
    with pytest.raises(InvalidScopeError, match="write"):
        check_within(("read", "write"), ("read",))


def test_scopes_in_plain_words():
    assert describe(("read", "read:statuses")) == [describe(("read",))[0]]  # nothing said twice
    assert describe(("write:statuses",)) == ["Change your posts and replies."]


@pytest.mark.parametrize("uri", ["https://app.example/cb", "http://127.0.0.1:8000/cb", "com.example.app:/oauth",
                                 "myapp://callback", OOB])
def test_redirect_uris_an_app_may_register(uri):
    assert parse_redirect_uris(uri) == (uri,)


@pytest.mark.parametrize(
    ("uri", "says"),
    [
        ("javascript:alert(1)", "javascript:"),
        ("JavaScript:alert(1)", "javascript:"),
        ("data:text/html;base64,xx", "data:"),
        ("file:///etc/passwd", "file:"),
        ("/relative", "not absolute"),
        ("app.example/cb", "not absolute"),
        ("https://app.example/cb#frag", "fragment"),
        ("https:///path", "no host"),
        ("myapp:", "nothing after"),
    ],
)
def test_redirect_uris_refused(uri, says):
    with pytest.raises(InvalidRedirectURIError, match=says):
        parse_redirect_uris(uri)


def test_several_redirect_uris_and_exact_matching():
    uris = parse_redirect_uris("https://a.example/cb\nurn:ietf:wg:oauth:2.0:oob  https://a.example/cb")
    assert uris == ("https://a.example/cb", OOB)
    stored = "\n".join(uris)
    assert registered(stored, "https://a.example/cb")
    assert not registered(stored, "https://a.example/cb/") and not registered(stored, "https://a.example/")


def test_the_consent_forms_csp_source_for_a_redirect():
    assert form_action_source("https://a.example:8443/cb?x=1") == "https://a.example:8443"
    assert form_action_source("com.example.app:/oauth") == "com.example.app:"
    assert form_action_source("https://a.example;x/cb") == ""


def test_pkce_is_s256_only():
    challenge = create_s256_code_challenge(VERIFIER)
    assert check_challenge(challenge, "S256") == (challenge, "S256")
    assert check_challenge("", "") == ("", "")
    for sent in ((challenge, "plain"), (challenge, ""), ("", "S256"), ("short", "S256")):
        with pytest.raises(InvalidRequestError):
            check_challenge(*sent)
    check_verifier(challenge, VERIFIER)
    check_verifier("", "")
    for challenge_sent, verifier in ((challenge, "b" * 43), (challenge, ""), ("", VERIFIER), (challenge, "short")):
        with pytest.raises(InvalidGrantError):
            check_verifier(challenge_sent, verifier)


def test_secrets_are_hashed_with_sha256():
    assert hash_secret("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
