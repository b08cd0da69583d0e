"""The inbox against PROTOCOL.md's attack checklist: real signed HTTP from a fake remote server on loopback."""

import dataclasses
import json
import logging
from datetime import UTC, datetime, timedelta

import pytest

from circlefed.protocol.keys import generate_rsa_keypair
from circlefed.storage.models import Actor, Circle, DomainAction, DomainRule, InboxItem, Instance, Visibility
from tests.fakes.remote import post_signed, signed_post_headers

from .circles import circle, member

pytestmark = pytest.mark.storage


@pytest.fixture
async def instance(start_instance):
    return await start_instance()


@pytest.fixture
def alice(remote):
    return remote.add_actor("alice")


async def stored(instance) -> list[str]:
    with instance.db():
        return [item.activity_uri for item in await InboxItem.all()]


def refusal(status: int, text: str) -> tuple[int, str]:
    """(status, the reason the inbox gave): every refusal says why, so a test can tell one refusal from another.
    An answer that is no refusal (a 202 has no body) is returned as it came, for the assertion to show."""
    try:
        return status, json.loads(text)["error"]
    except (ValueError, KeyError, TypeError):
        return status, text


async def post_raw(http, url: str, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
    async with http.post(url, data=body, headers=headers) as response:
        return response.status, await response.text()


async def accepted_as_control(instance, remote, actor, http) -> None:
    """The same sender, signing as it should, is accepted: the refusal under test is not a sender already broken."""
    activity = remote.activity(actor)
    status, text = await post_signed(http, actor, f"{instance.base_url}/inbox", activity)
    assert status == 202, text
    assert activity["id"] in await stored(instance)


async def test_a_valid_signed_create_is_stored_once_and_answered_202(instance, remote, alice, http):
    activity = remote.activity(alice)
    status, _ = await post_signed(http, alice, f"{instance.base_url}/inbox", activity)
    assert status == 202
    later = datetime.now(UTC) + timedelta(seconds=2)
    status, _ = await post_signed(http, alice, f"{instance.base_url}/inbox", activity, now=later)
    assert status == 202, "a redelivery (signed afresh) of the same activity id is a no-op"
    assert await stored(instance) == [activity["id"]]


async def test_rfc9421_signed_deliveries_are_accepted(instance, remote, alice, http):
    # SPEC: RFC 9421 (Mastodon >= 4.5, Fedify)
    activity = remote.activity(alice)
    status, _ = await post_signed(http, alice, f"{instance.base_url}/inbox", activity, scheme="rfc9421")
    assert status == 202
    assert await stored(instance) == [activity["id"]]


async def test_an_unsigned_delivery_is_401_not_400(instance, remote, alice, http):
    body = json.dumps(remote.activity(alice)).encode()
    status, text = await post_raw(http, f"{instance.base_url}/inbox", body, {"Content-Type": "application/json"})
    assert refusal(status, text) == (401, "the request is not signed")
    assert await stored(instance) == []


async def test_attack_1_a_create_carrying_an_object_from_another_server_is_refused(instance, remote, alice, http):
    # SPEC: PROTOCOL.md attack 1 (origin spoofing)
    forged = remote.activity(alice, object={"id": "https://victim.example/notes/1", "type": "Note",
                                            "attributedTo": "https://victim.example/users/v", "content": "x"})
    status, text = await post_signed(http, alice, f"{instance.base_url}/inbox", forged)
    assert refusal(status, text) == (401, "the object is not on the actor's server")
    update = remote.activity(alice, "Update", object={"id": "https://victim.example/users/v", "type": "Person"})
    status, text = await post_signed(http, alice, f"{instance.base_url}/inbox", update)
    assert refusal(status, text) == (401, "the object is not on the actor's server")
    assert await stored(instance) == []
    await accepted_as_control(instance, remote, alice, http)


async def test_attack_1_an_activity_id_on_another_server_is_refused(instance, remote, alice, http):
    # SPEC: PROTOCOL.md attack 1
    activity = remote.activity(alice, id="https://victim.example/activities/1")
    status, text = await post_signed(http, alice, f"{instance.base_url}/inbox", activity)
    assert refusal(status, text) == (401, "the activity id is not on the actor's server")
    assert await stored(instance) == []
    await accepted_as_control(instance, remote, alice, http)


async def test_attack_3_a_fetched_actor_whose_id_is_not_the_requested_url_is_refused(instance, remote, alice, http):
    # SPEC: PROTOCOL.md attack 3
    remote.overrides["alice"] = {"id": f"{remote.base_url}/users/someone-else"}
    status, text = await post_signed(http, alice, f"{instance.base_url}/inbox", remote.activity(alice))
    assert refusal(status, text) == (
        401, f"fetched actor id '{remote.base_url}/users/someone-else' is not the requested URL '{alice.uri}'"
    )
    assert await stored(instance) == []


async def test_attack_3_an_actor_whose_inbox_is_on_another_host_is_refused(instance, remote, alice, http):
    # SPEC: PROTOCOL.md attack 3
    remote.overrides["alice"] = {"inbox": "https://elsewhere.example/inbox"}
    status, text = await post_signed(http, alice, f"{instance.base_url}/inbox", remote.activity(alice))
    assert refusal(status, text) == (401, f"{alice.uri}: 'inbox' is on another server")
    assert await stored(instance) == []


async def test_attack_2_an_actor_served_without_an_activitystreams_type_is_refused(instance, remote, alice, http):
    # SPEC: PROTOCOL.md attack 2 (a user upload served as JSON must not pass for an actor)
    remote.content_type = "application/json"
    status, text = await post_signed(http, alice, f"{instance.base_url}/inbox", remote.activity(alice))
    assert refusal(status, text) == (401, f"{alice.uri} is not served as ActivityStreams JSON")
    assert await stored(instance) == []


async def test_attack_4_a_key_owned_by_another_actor_than_the_activity_actor_is_refused(instance, remote, alice, http):
    # SPEC: PROTOCOL.md attack 4; FEP-fe34
    mallory = remote.add_actor("mallory")
    activity = remote.activity(alice)
    status, text = await post_signed(http, mallory, f"{instance.base_url}/inbox", activity)
    assert refusal(status, text) == (401, f"the signing key belongs to {mallory.uri}, not to the activity's actor")
    remote.overrides["alice"] = {"publicKey": {**alice.document["publicKey"], "owner": mallory.uri}}
    status, text = await post_signed(http, alice, f"{instance.base_url}/inbox", remote.activity(alice))
    assert refusal(status, text) == (401, f"the key of {alice.uri} is owned by '{mallory.uri}'")
    assert await stored(instance) == []


async def test_attack_4_acct_key_ids_are_refused_without_fetching(instance, remote, alice, http):
    # SPEC: PROTOCOL.md attack 4
    status, _ = await post_signed(http, alice, f"{instance.base_url}/inbox", remote.activity(alice),
                                  key_id=f"acct:alice@{remote.domain}")
    assert refusal(status, _) == (401, "the keyId is not an http(s) URL")
    assert remote.requests == []


async def test_attack_5_a_body_changed_after_signing_is_refused(instance, remote, alice, http):
    # SPEC: PROTOCOL.md attack 5
    url = f"{instance.base_url}/inbox"
    body = json.dumps(remote.activity(alice)).encode()
    headers = signed_post_headers(alice, url, body)
    tampered = body.replace(b"hello", b"HELLO")
    assert tampered != body
    assert refusal(*await post_raw(http, url, tampered, headers)) == (401, "Digest sha-256 does not match the body")
    assert await stored(instance) == []
    assert (await post_raw(http, url, body, headers))[0] == 202  # the control: the body as signed is accepted


async def test_attack_5_a_signature_for_another_host_or_path_is_refused(instance, remote, alice, http):
    # SPEC: PROTOCOL.md attack 5
    body = json.dumps(remote.activity(alice)).encode()
    other_host = signed_post_headers(alice, "http://other.example/inbox", body)
    other_host.pop("Host")
    status, text = await post_raw(http, f"{instance.base_url}/inbox", body, other_host)
    assert refusal(status, text) == (401, "signature does not verify with the key")
    other_path = signed_post_headers(alice, f"{instance.base_url}/actor/inbox", body)
    status, text = await post_raw(http, f"{instance.base_url}/inbox", body, other_path)
    assert refusal(status, text) == (401, "signature does not verify with the key")
    assert await stored(instance) == []
    status, text = await post_raw(http, f"{instance.base_url}/actor/inbox", body, other_path)  # where it was signed for
    assert status == 202, text


async def test_attack_6_an_hmac_signature_keyed_with_the_public_pem_is_refused(instance, remote, alice, http):
    # SPEC: PROTOCOL.md attack 6 (algorithm confusion)
    import base64
    import hashlib
    import hmac

    url = f"{instance.base_url}/inbox"
    body = json.dumps(remote.activity(alice)).encode()
    headers = signed_post_headers(alice, url, body)
    covered = "(request-target) host date digest content-type"
    signing_string = "\n".join([
        "(request-target): post /inbox", f"host: {headers['Host']}", f"date: {headers['Date']}",
        f"digest: {headers['Digest']}", f"content-type: {headers['Content-Type']}",
    ])
    mac = hmac.new(alice.public_pem.encode(), signing_string.encode(), hashlib.sha256).digest()
    headers["Signature"] = (f'keyId="{alice.key_id}",algorithm="hmac-sha256",headers="{covered}",'
                            f'signature="{base64.b64encode(mac).decode()}"')
    status, text = await post_raw(http, url, body, headers)
    assert refusal(status, text) == (401, "signature algorithm 'hmac-sha256' is not accepted")
    assert await stored(instance) == []


async def test_attack_7_and_blocked_domains_are_refused_before_anything_is_fetched(instance, remote, alice, http):
    # SPEC: PROTOCOL.md attack 7 (domain normalisation) and "never fetch for a blocked domain"
    with instance.db():
        host, port = remote.domain.split(":")
        await DomainRule.create(domain=f"{host}.:{port}", action=DomainAction.BLOCK)
    status, text = await post_signed(http, alice, f"{instance.base_url}/inbox", remote.activity(alice))
    assert refusal(status, text) == (403, f"domain {remote.domain} is blocked")
    assert remote.requests == []
    assert await stored(instance) == []


async def test_attack_8_a_key_on_a_private_address_is_never_fetched(start_instance, remote, alice, http):
    # SPEC: PROTOCOL.md attack 8 (SSRF): without the lab allowlist, loopback is refused before connecting
    guarded = await start_instance(federation={"private_address_allowlist": []})
    status, text = await post_signed(http, alice, f"{guarded.base_url}/inbox", remote.activity(alice))
    assert refusal(status, text) == (
        401, f"refused to fetch {alice.uri}: Refusing the IP-literal host '127.0.0.1'."
    )
    assert remote.requests == []


async def test_attack_9_a_key_url_redirecting_to_a_private_address_is_refused(instance, remote, alice, http):
    # SPEC: PROTOCOL.md attack 9 (SSRF through redirects); 127.0.0.2 is loopback but not allowlisted
    key_id = f"{remote.base_url}/moved#main-key"
    remote.redirects["/moved"] = "http://127.0.0.2:9/users/alice"
    status, text = await post_signed(http, alice, f"{instance.base_url}/inbox", remote.activity(alice), key_id=key_id)
    assert refusal(status, text) == (
        401, f"refused to fetch {remote.base_url}/moved: Refusing the IP-literal host '127.0.0.2'."
    )
    assert ("GET", "/moved") in [(method, path) for method, path, _ in remote.requests]  # the redirect was not followed
    assert await stored(instance) == []


async def test_attack_11_oversized_and_deeply_nested_bodies_are_refused_cleanly(start_instance, remote, alice, http):
    # SPEC: PROTOCOL.md attack 11
    small = await start_instance(web={"max_body_bytes": 4096})
    big = remote.activity(alice, padding="x" * 8000)
    status, text = await post_signed(http, alice, f"{small.base_url}/inbox", big)
    assert refusal(status, text) == (413, "the body is larger than 4096 bytes")
    medium = await start_instance(web={"max_body_bytes": 4_000_000})
    url = f"{medium.base_url}/inbox"
    body = json.dumps(remote.activity(alice)).encode()
    depth = 100_000
    deep = body[:-1] + b', "deep": ' + b'{"n": ' * depth + b"1" + b"}" * depth + b"}"
    status, text = await post_raw(http, url, deep, signed_post_headers(alice, url, deep))
    assert refusal(status, text) == (400, "the JSON document is nested too deeply")


async def test_documents_a_database_cannot_store_are_refused_with_400(instance, remote, alice, http):
    # Stored with others in one statement, such a document would fail deliveries that merely shared it.
    url = f"{instance.base_url}/inbox"
    nul_or_surrogate = "the JSON document contains a NUL character or an unpaired surrogate"
    for content, reason in (
        (float("nan"), "the body is not valid JSON: ValueError"),
        ("a\u0000b", nul_or_surrogate),
        ("\ud800", nul_or_surrogate),
    ):
        body = json.dumps(remote.activity(alice, content_extra=content)).encode()
        status, text = await post_raw(http, url, body, signed_post_headers(alice, url, body))
        assert refusal(status, text) == (400, reason)
    assert await stored(instance) == []
    fine = remote.activity(alice, content_extra="a backslash-u0000 as text: \\u0000, and an emoji: \U0001f331")
    body = json.dumps(fine).encode()  # ASCII escapes throughout, the emoji as a surrogate pair
    status, text = await post_raw(http, url, body, signed_post_headers(alice, url, body))
    assert status == 202, text
    with instance.db():
        assert (await InboxItem.get(activity_uri=fine["id"])).payload == fine


async def test_attack_12_json_ld_restructuring_is_not_interpreted(instance, remote, alice, http):
    # SPEC: PROTOCOL.md attack 12: plain JSON with strict shapes; expanded IRIs are not an actor
    activity = remote.activity(alice)
    activity.pop("actor")
    activity["https://www.w3.org/ns/activitystreams#actor"] = alice.uri
    status, text = await post_signed(http, alice, f"{instance.base_url}/inbox", activity)
    assert refusal(status, text) == (400, "the activity has no 'actor' (a URL or an object with an 'id')")
    mallory = remote.add_actor("mallory")
    impersonation = remote.activity(alice, signature={"type": "RsaSignature2017", "creator": f"{alice.uri}#main-key"})
    status, text = await post_signed(http, mallory, f"{instance.base_url}/inbox", impersonation)
    # an embedded LD signature never replaces the HTTP signature
    assert refusal(status, text) == (401, f"the signing key belongs to {mallory.uri}, not to the activity's actor")
    assert await stored(instance) == []


async def test_attack_13_a_replayed_request_is_refused(instance, remote, alice, http):
    # SPEC: PROTOCOL.md attack 13
    url = f"{instance.base_url}/inbox"
    body = json.dumps(remote.activity(alice)).encode()
    headers = signed_post_headers(alice, url, body)
    status, text = await post_raw(http, url, body, headers)
    assert status == 202, text
    status, text = await post_raw(http, url, body, headers)
    assert refusal(status, text) == (401, "this signed request was already received (replay)")


async def test_stale_and_future_dates_are_refused(instance, remote, alice, http):
    # SPEC: PROTOCOL.md: Date within 1 h past / 5 min future
    now = datetime.now(UTC)
    for when, reason in ((now - timedelta(hours=2), "is older than 1:00:00"), (now + timedelta(minutes=10), "ahead")):
        status, text = await post_signed(http, alice, f"{instance.base_url}/inbox", remote.activity(alice), now=when)
        assert status == 401 and refusal(status, text)[1].startswith("signature Date "), text
        assert reason in refusal(status, text)[1], text
    assert await stored(instance) == []
    await accepted_as_control(instance, remote, alice, http)  # the same request signed now


async def test_attack_22_an_oversized_remote_key_is_refused(instance, remote, alice, http, big_public_key_pem):
    # SPEC: PROTOCOL.md attack 22
    remote.overrides["alice"] = {"publicKey": {**alice.document["publicKey"], "publicKeyPem": big_public_key_pem}}
    status, text = await post_signed(http, alice, f"{instance.base_url}/inbox", remote.activity(alice))
    assert refusal(status, text) == (
        401, f"the key of {alice.uri} is refused: RSA key of 8192 bits is outside 2048-4096 bits"
    )
    assert await stored(instance) == []


async def test_attack_24_bad_signatures_cannot_amplify_key_fetches(instance, remote, alice, http):
    # SPEC: PROTOCOL.md attack 24: one refetch per host per minute, however many bad requests arrive
    status, _ = await post_signed(http, alice, f"{instance.base_url}/inbox", remote.activity(alice))
    assert status == 202
    forger = dataclasses.replace(alice, private_pem=generate_rsa_keypair()[0])
    before = len(remote.requests)
    for _ in range(20):
        status, text = await post_signed(http, forger, f"{instance.base_url}/inbox", remote.activity(alice))
        assert refusal(status, text) == (401, "signature does not verify with the key")
    assert len(remote.requests) - before <= 1


async def test_a_rotated_key_is_refetched_once_and_then_accepted(instance, remote, alice, http):
    status, _ = await post_signed(http, alice, f"{instance.base_url}/inbox", remote.activity(alice))
    assert status == 202
    remote.rotate_key("alice")
    status, _ = await post_signed(http, alice, f"{instance.base_url}/inbox", remote.activity(alice))
    assert status == 202
    assert len(await stored(instance)) == 2


async def test_inboxes_of_unknown_or_local_only_actors_do_not_exist(instance, remote, alice, http, caplog):
    fran = await member(instance, "fran")
    await circle(instance, "open", fran)
    await circle(instance, "hearth", fran, visibility=Visibility.LOCAL)
    for path in ("/u/fran/inbox", "/c/open/inbox"):  # the control: inboxes of actors that federate exist
        status, text = await post_signed(http, alice, f"{instance.base_url}{path}", remote.activity(alice))
        assert status == 202, (path, text)
    with instance.db():
        assert (await Circle.get(slug="hearth")).visibility is Visibility.LOCAL  # it exists, for this instance only
    caplog.set_level(logging.INFO)
    for path in ("/u/nobody/inbox", "/c/nothing/inbox", "/c/hearth/inbox"):
        caplog.clear()
        status, text = await post_signed(http, alice, f"{instance.base_url}{path}", remote.activity(alice))
        assert refusal(status, text) == (404, "Nothing was found here."), path
    refusals = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    assert len(refusals) == 1 and "/c/hearth/inbox" in refusals[0], "the local circle's refusal, logged once"
    assert "not a member of this local circle" in refusals[0], "the log says why; the answer says nothing"
    assert len(await stored(instance)) == 2


async def test_concurrent_first_deliveries_from_several_new_actors_all_succeed(instance, remote, http):
    import asyncio

    senders = [remote.add_actor(f"sender{n}") for n in range(8)]
    results = await asyncio.gather(*(
        post_signed(http, sender, f"{instance.base_url}/inbox", remote.activity(sender)) for sender in senders
        for _ in range(2)
    ))
    assert [status for status, _ in results] == [202] * 16
    assert len(await stored(instance)) == 16


async def test_forged_signatures_store_no_actor_and_fetch_its_key_once(instance, remote, alice, http):
    # SPEC: issue 20 item 3 (no remote actor stored before a signature over it has verified)
    forger = dataclasses.replace(alice, private_pem=generate_rsa_keypair()[0])
    for _ in range(10):
        status, text = await post_signed(http, forger, f"{instance.base_url}/inbox", remote.activity(alice))
        assert refusal(status, text) == (401, "signature does not verify with the key")
    with instance.db():
        assert not await Actor.exists(uri=alice.uri), "a forged request stores nothing"
        assert not await Instance.exists(domain=remote.domain)
    fetches = [path for method, path, _ in remote.requests if path == "/users/alice"]
    assert len(fetches) <= 2, "the key is fetched once (and refetched once), then kept in memory"
    await accepted_as_control(instance, remote, alice, http)
    with instance.db():
        assert await Actor.exists(uri=alice.uri), "stored once a signature verified"


async def test_requests_naming_ever_new_keys_stop_before_anything_is_fetched(start_instance, remote, http):
    # SPEC: issue 20 item 3 (key fetches rate-limited per host)
    instance = await start_instance(federation={"new_keys_per_minute": 2})
    answers = []
    for n in range(3):
        actor = remote.add_actor(f"new{n}")
        status, text = await post_signed(http, actor, f"{instance.base_url}/inbox", remote.activity(actor))
        answers.append(refusal(status, text))
    assert [status for status, _ in answers] == [202, 202, 401]
    assert "too many new keys fetched from this host" in answers[-1][1]
    assert not any(path == "/users/new2" for _, path, _ in remote.requests), "the third key was not fetched"


async def test_a_padded_actor_document_is_stored_reduced_to_what_is_read(instance, remote, alice, http):
    # SPEC: issue 20 item 3 (stored actor documents reduced to the fields used, size-capped)
    remote.overrides["alice"] = {"padding": "x" * 500_000, "attributedTo": "y" * 5000, "discoverable": True}
    await accepted_as_control(instance, remote, alice, http)
    with instance.db():
        stored_actor = await Actor.get(uri=alice.uri)
    assert stored_actor.document == {"id": alice.uri, "type": "Person", "discoverable": True}
    assert stored_actor.public_key_pem == alice.public_pem
