"""Private messages at every exit: a facilitator's conversations with a local and a remote member of a members
circle show none of their words, on any page or endpoint, to anyone else (anonymous, other local members and
non-members, a remote non-member signing its requests, each party of the other conversation), and their ids answer
as missing ids do. NodeInfo counts none of them (issue 15, outreach).

SPEC: FEDERATION.md direct messages; PROTOCOL.md confidential circles, attacks 15, 17 and 21."""

from __future__ import annotations

import json
import re

import pytest

from circlefed.storage.models import Actor, Conversation, Message, OutboxActivity
from tests.factories import approved_member
from tests.integration.web.page_forms import submit

from .circles import HTML, browser_of, member, settle
from .lifecycle_net import AS2, lifecycle_net, signed_by

pytestmark = pytest.mark.storage
LOCAL_WORDS, REMOTE_WORDS = "zqlocalsecret", "zqremotesecret"
ANSWERS = {"zqrobin": "zqrobinanswer", "zqbea": "zqbeaanswer"}


@pytest.fixture
async def net(start_instance):
    built = await lifecycle_net(start_instance)
    built.sam, built.nora = await member(built.a, "zqsam"), await member(built.a, "zqnora")
    with built.a.db():
        await approved_member(built.quiet, built.sam)
    built.browsers |= {"zqsam": await browser_of(built.a, "zqsam"), "zqnora": await browser_of(built.a, "zqnora")}
    yield built
    await built.close()


async def converse(net) -> dict[str, str]:
    """fran writes to robin (on A) and to bea (on B) from the members page; each answers. Returns each
    conversation's page on its instances: {who: url}."""
    with net.a.db():
        bea_on_a = await Actor.get(uri=net.bea.uri)
    for person, words in ((net.robin, LOCAL_WORDS), (bea_on_a, REMOTE_WORDS)):
        path = f"{net.a.base_url}/messages/new?circle={net.quiet.id}&to={person.id}"
        assert (await submit(net.browsers["fran"], path, "Send message", {"body": words})).status == 303
    await settle(net.a, net.b)
    pages = {}
    with net.a.db():
        for conversation in await Conversation.all().prefetch_related("parties__actor"):
            other = next(p.actor for p in conversation.parties if p.actor.uri != net.fran.uri)
            pages["zqrobin" if other.uri == net.robin.uri else "fran-bea"] = (
                f"{net.a.base_url}/messages/{conversation.id}"
            )
    with net.b.db():
        pages["zqbea"] = f"{net.b.base_url}/messages/{(await Conversation.get()).id}"
    pages["fran-robin"] = pages["zqrobin"]
    for who in ("zqrobin", "zqbea"):
        assert (await submit(net.browsers[who], pages[who], "Send message", {"body": ANSWERS[who]})).status == 303
    await settle(net.a, net.b)
    return pages


async def message_ids(instance) -> list[str]:
    """The ids of every message and of every activity that carried one."""
    with instance.db():
        uris = list(await Message.all().values_list("uri", flat=True))
        uris += await OutboxActivity.filter(object_uri__in=uris).values_list("uri", flat=True)
    return uris


def endpoints(net, instance, people: list[str]) -> list[str]:
    base, quiet = instance.base_url, net.quiet_uri
    urls = [f"{base}/", f"{base}/circles", f"{base}/messages", f"{base}/account", f"{base}/account/export",
            f"{base}/facilitate", f"{base}/actor", f"{base}/nodeinfo/2.1", f"{base}/.well-known/nodeinfo"]
    urls += [f"{base}/u/{name}" for name in people]
    if instance is net.a:
        urls += [quiet, *(f"{quiet}/{name}" for name in ("outbox", "followers", "moderators", "featured"))]
        urls += [f"{quiet}/facilitate{sub}" for sub in ("", "/held", "/reports", "/members", "/log", "/settings")]
    return urls


def leaked(body: str, words: list[str]) -> list[str]:
    return [word for word in words if word in body]


async def test_no_one_else_sees_a_word_of_a_conversation_anywhere(net, http):
    with net.a.db():
        before = await _local_posts(http, net)
    pages = await converse(net)
    every_word = [LOCAL_WORDS, REMOTE_WORDS, *ANSWERS.values()]
    assert LOCAL_WORDS in (await net.page("zqrobin", pages["zqrobin"]))[1], "positive control: robin reads hers"
    assert REMOTE_WORDS in (await net.page("zqbea", pages["zqbea"]))[1], "positive control: bea reads hers"
    ids = await message_ids(net.a) + await message_ids(net.b)
    conversations = [pages["fran-robin"], pages["fran-bea"], pages["zqbea"]]
    a_urls = endpoints(net, net.a, ["fran", "zqrobin", "zqsam", "zqnora"]) + ids + conversations
    b_urls = endpoints(net, net.b, ["zqbea", "zqbob"]) + ids + conversations
    viewers = {
        # who: (the browser signed in, if any; the words they must never see)
        "anonymous": (None, every_word),
        "zqsam": ("zqsam", every_word),  # another member of the circle
        "zqnora": ("zqnora", every_word),  # signed in here, in no circle
        "zqbob": ("zqbob", every_word),  # on B, in no circle
        "zqrobin": ("zqrobin", [REMOTE_WORDS, ANSWERS["zqbea"]]),  # a party of the other conversation
        "zqbea": ("zqbea", [LOCAL_WORDS, ANSWERS["zqrobin"]]),
    }
    for who, (browser, words) in viewers.items():
        for url in a_urls + b_urls:
            if browser is None:
                async with http.get(url, headers=HTML, allow_redirects=False) as response:
                    body = await response.text()
            else:
                body = (await net.page(browser, url))[1]
            assert not leaked(body, words), f"{who} saw {leaked(body, words)} at {url}"
    for url in a_urls + b_urls:  # the remote non-member, signing its requests as its instance would
        for headers in (signed_by(net.bob, url), AS2):
            async with http.get(url, headers=headers, allow_redirects=False) as response:
                body = await response.text()
            assert not leaked(body, every_word), f"bob (AS2) saw {leaked(body, every_word)} at {url}"
    await _ids_answer_as_missing(net, http, ids)
    assert await _local_posts(http, net) == before, "NodeInfo counts no message"


async def _ids_answer_as_missing(net, http, ids: list[str]) -> None:
    """A message's id and its activity's id answer exactly as an id naming nothing, to everyone: its own parties
    (fran, signing) included."""
    for url in ids:
        twin = re.sub(r"/(m|a)/[^/]+$", r"/\1/missing0", url)
        for headers_for in (lambda _: AS2, lambda u: signed_by(net.fran, u), lambda u: signed_by(net.bea, u),
                            lambda _: HTML):
            answers = []
            for target in (url, twin):
                async with http.get(target, headers=headers_for(target), allow_redirects=False) as response:
                    answers.append((response.status, _without_request_id(await response.text())))
            assert answers[0] == answers[1] and answers[0][0] == 404, url


def _without_request_id(body: str) -> str:
    return re.sub(r'<code>[0-9a-f]+</code>|"request_id": "[0-9a-f]+"', "", body)


async def _local_posts(http, net) -> int:
    async with http.get(f"{net.a.base_url}/nodeinfo/2.1") as response:
        return json.loads(await response.read())["usage"]["localPosts"]
