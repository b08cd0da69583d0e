"""Smoke tests for the interop environment itself: the Fedify peer runs, speaks TLS with a certificate
from the test CA, and its discovery, actor and admin endpoints answer. If these fail, the circlefed
interop tests next to them cannot mean anything."""

from __future__ import annotations

import ssl
import urllib.error

import pytest

from tests.interop.conftest import http_request

pytestmark = pytest.mark.interop

AP_JSON = "application/activity+json"


def test_webfinger_and_actor_over_verified_tls(fedify_peer):
    # WebFinger, verified against the test CA only
    jrd = fedify_peer.get_json(
        f"/.well-known/webfinger?resource={fedify_peer.acct}", accept="application/jrd+json"
    )
    assert jrd["subject"] == "acct:bob@peer.test"
    self_links = [link for link in jrd["links"] if link.get("rel") == "self"]
    assert self_links, jrd
    assert self_links[0]["href"] == "https://peer.test/users/bob"
    assert self_links[0]["type"] == AP_JSON

    # the actor document, content-negotiated
    actor = fedify_peer.get_json(self_links[0]["href"], accept=AP_JSON)
    assert actor["id"] == "https://peer.test/users/bob"
    assert actor["type"] == "Person"
    assert actor["inbox"] == "https://peer.test/users/bob/inbox"
    key = actor["publicKey"]
    assert key["owner"] == actor["id"]
    assert key["publicKeyPem"].startswith("-----BEGIN PUBLIC KEY-----")


def test_tls_is_really_verified(fedify_peer):
    # a client that does not trust the test CA must refuse the peer's certificate
    untrusting = ssl.create_default_context(cafile="/etc/ssl/certs/ca-certificates.crt")
    with pytest.raises(urllib.error.URLError) as exc:
        http_request(untrusting, "GET", f"{fedify_peer.base_url}/.well-known/nodeinfo", timeout=5)
    assert isinstance(exc.value.reason, ssl.SSLCertVerificationError)


def test_admin_log_and_inbox_verification(fedify_peer):
    before = fedify_peer.admin_log()
    assert set(before) >= {"received", "inbox_requests", "followers"}

    # an unsigned POST to bob's inbox is refused by Fedify's signature check, and logged as such
    r = fedify_peer.request(
        "POST",
        "/users/bob/inbox",
        headers={"Content-Type": AP_JSON},
        data=b'{"@context":"https://www.w3.org/ns/activitystreams","type":"Follow",'
        b'"id":"https://circlefed.test/x","actor":"https://circlefed.test/users/x","object":"https://peer.test/users/bob"}',
        timeout=10,
    )
    assert r.status == 401, r.body
    after = fedify_peer.admin_log()
    assert after["inbox_requests"][-1]["scheme"] == "unsigned"
    assert after["inbox_requests"][-1]["status"] == 401
    assert after["received"] == before["received"]  # nothing unverified reached the listeners


def test_fedify_tools_resolve_peer(interop_env, fedify_peer):
    # Node tooling trusts the test CA through NODE_EXTRA_CA_CERTS (what later circlefed lookups rely on)
    res = interop_env.fedify_tool("lookup", fedify_peer.acct)
    assert res.returncode == 0, res.stderr + res.stdout
    assert "# Person https://peer.test/users/bob" in res.stdout
