"""Private messages across real instances (issue 15, outreach): a facilitator on A writes to a member on B as a
direct Note to her alone, her answer comes back into the conversation, a Delete removes it, and a Note that is
public, for followers or unsolicited is refused. Every step is real signed HTTP between two circlefed instances.

SPEC: FEDERATION.md direct messages."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime

import pytest

from circlefed.protocol.vocab import PUBLIC
from circlefed.storage.models import Actor, Conversation, Delivery, InboxItem, Message, QueueState
from tests.integration.web.page_forms import submit

from .circles import settle
from .lifecycle_net import lifecycle_net
from .moderation_net import send_as

pytestmark = pytest.mark.storage
WRITE_LINK = re.compile(r'<a href="(/messages/new\?circle=\d+&amp;to=(\d+))">Write to them')
CONVERSATION = re.compile(r'href="(/messages/\d+)"')


@pytest.fixture
async def net(start_instance):
    built = await lifecycle_net(start_instance)
    yield built
    await built.close()


async def fran_writes_to_bea(net, text: str) -> str:
    """fran opens the members page on A, follows the "Write to them" link next to bea and sends `text`; returns
    the conversation's path on A."""
    _, members = await net.page("fran", f"{net.quiet_uri}/facilitate/members")
    with net.a.db():
        bea_on_a = await Actor.get(uri=net.bea.uri)
    links = {int(actor_id): path.replace("&amp;", "&") for path, actor_id in WRITE_LINK.findall(members)}
    sent = await submit(net.browsers["fran"], net.a.base_url + links[bea_on_a.id], "Send message", {"body": text})
    assert sent.status == 303, await sent.text()
    return sent.headers["Location"].split("#")[0]


async def message_deliveries(instance, domain: str) -> list[Delivery]:
    """The deliveries of private messages from `instance` to `domain`, oldest first."""
    with instance.db():
        uris = await Message.all().values_list("uri", flat=True)
        deliveries = Delivery.filter(domain=domain, activity__object_uri__in=list(uris)).order_by("id")
        return await deliveries.prefetch_related("activity")


async def bea_conversation_on_b(net) -> str:
    status, listing = await net.page("zqbea", f"{net.b.base_url}/messages")
    assert status == 200
    paths = CONVERSATION.findall(listing)
    assert len(paths) == 1, listing
    return net.b.base_url + paths[0]


async def test_a_facilitator_writes_to_a_remote_member_and_her_answer_comes_back(net, caplog):
    caplog.set_level(logging.INFO, logger="circlefed")
    conversation_on_a = await fran_writes_to_bea(net, "zqdm Are you *safe* tonight?")
    [delivery] = await message_deliveries(net.a, net.b.domain)
    with net.a.db():
        fran_voice = await Actor.get(uri=delivery.activity.payload["actor"])
    payload = delivery.activity.payload
    note = payload["object"]
    assert delivery.inbox_uri == f"{net.bea.uri}/inbox", "her own inbox, never the shared one"
    assert payload["type"] == "Create" and note["type"] == "Note"
    assert payload["to"] == note["to"] == [net.bea.uri] and payload["cc"] == note["cc"] == []
    assert PUBLIC not in str(payload) and "followers" not in str(payload)
    assert note["tag"] == [{"type": "Mention", "href": net.bea.uri, "name": f"@zqbea@{net.b.domain}"}]
    assert "<em>safe</em>" in note["content"]
    assert fran_voice.local_name.startswith("m_") and "fran" not in str(payload), (
        "a members circle with real names off: the facilitator's pseudonym signs it"
    )
    await settle(net.a, net.b)

    # On B: the message is in bea's conversation, which names the circle it came from.
    status, home = await net.page("zqbea", f"{net.b.base_url}/")
    assert 'class="badge">1<span class="visually-hidden"> unread' in home
    conversation_on_b = await bea_conversation_on_b(net)
    status, page = await net.page("zqbea", conversation_on_b)
    assert status == 200 and "<em>safe</em>" in page and "About the circle" in page and "Quiet" in page
    assert "fran" not in page
    answered = await submit(net.browsers["zqbea"], conversation_on_b, "Send message", {"body": "zqanswer I am OK."})
    assert answered.status == 303, await answered.text()
    [back] = await message_deliveries(net.b, net.a.domain)
    assert back.inbox_uri == f"{fran_voice.uri}/inbox" and back.activity.payload["object"]["to"] == [fran_voice.uri]
    assert back.activity.payload["object"]["inReplyTo"] == note["id"]
    await settle(net.a, net.b)

    status, fran_page = await net.page("fran", net.a.base_url + conversation_on_a)
    assert status == 200 and fran_page.index("Are you") < fran_page.index("zqanswer I am OK.")
    with net.a.db():
        assert await Conversation.all().count() == 1, "the answer joined the conversation it answers"
    logged = "\n".join(record.getMessage() for record in caplog.records if record.name.startswith("circlefed"))
    assert "stored in conversation" in logged, "positive control: the flow was logged"
    for secret in ("zqbea", net.bea.uri, fran_voice.uri, "zqdm", "zqanswer"):
        assert secret not in logged, secret


async def test_a_remote_delete_removes_the_message_from_the_conversation(net):
    conversation_on_a = await fran_writes_to_bea(net, "Checking in.")
    await settle(net.a, net.b)
    answered = await submit(net.browsers["zqbea"], await bea_conversation_on_b(net), "Send message",
                            {"body": "zqregret I said too much."})
    assert answered.status == 303
    await settle(net.a, net.b)
    with net.b.db():
        mine = await Message.get(author__uri=net.bea.uri)
        bea = await Actor.get(uri=net.bea.uri)
    assert "zqregret" in (await net.page("fran", net.a.base_url + conversation_on_a))[1]
    voice = (await message_deliveries(net.a, net.b.domain))[0].activity.payload["actor"]
    delete = {"@context": "https://www.w3.org/ns/activitystreams", "id": f"{net.b.base_url}/a/zqdelete",
              "type": "Delete", "actor": bea.uri, "object": mine.uri, "to": [voice]}
    await send_as(net.b, bea, delete, f"{voice}/inbox")
    await settle(net.a, net.b)
    status, page = await net.page("fran", net.a.base_url + conversation_on_a)
    assert status == 200 and "zqregret" not in page and "Checking in." in page


def direct_note(sender: Actor, to: list[str], cc: list[str], number: int) -> dict:
    base = sender.uri.split("/u/")[0]
    note = {"id": f"{base}/p/zqnote{number}", "type": "Note", "attributedTo": sender.uri, "to": to, "cc": cc,
            "content": f"<p>zqunwanted {number}</p>", "published": datetime.now(UTC).isoformat()}
    return {"@context": "https://www.w3.org/ns/activitystreams", "id": f"{base}/a/zqcreate{number}",
            "type": "Create", "actor": sender.uri, "to": to, "cc": cc, "object": note}


async def test_public_followers_and_unsolicited_notes_never_become_messages(net):
    with net.b.db():
        bob = await Actor.get(uri=net.bob.uri)
        bea = await Actor.get(uri=net.bea.uri)
    robin = net.robin.uri
    tries = [
        (bob, [robin], [], "no unsolicited messages"),  # bob shares no circle with robin
        (bea, [robin], [PUBLIC], "addressed to Public"),  # bea does, but this is a public post
        (bea, [robin], [f"{bea.uri}/followers"], "addressed to followers"),
    ]
    for number, (sender, to, cc, _) in enumerate(tries):
        await send_as(net.b, sender, direct_note(sender, to, cc, number), f"{robin}/inbox")
    await settle(net.a, net.b)
    with net.a.db():
        assert not await Message.exists() and not await Conversation.exists()
        items = [item for item in await InboxItem.all().order_by("id") if item.payload.get("type") == "Create"]
    assert [item.state for item in items] == [QueueState.FAILED] * 3
    errors = {item.payload["id"]: item.last_error for item in items}
    for number, (sender, _, _, reason) in enumerate(tries):
        error = errors[f"{sender.uri.split('/u/')[0]}/a/zqcreate{number}"]
        assert reason in error, error
    _, listing = await net.page("zqrobin", f"{net.a.base_url}/messages")
    assert "zqunwanted" not in listing and "No conversations yet" in listing
