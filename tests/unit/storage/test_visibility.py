"""Listings leave out blocked domains' content everywhere and silenced domains' content from public listings."""

import pytest

from circlefed.policy.domains import DomainPolicy
from circlefed.storage.models import DomainAction, DomainRule, Post, Thread
from circlefed.storage.visibility import hidden_instance_ids, visible_posts, visible_threads
from tests.factories import remote_circle, remote_instance, remote_person

pytestmark = pytest.mark.storage

RULES = {"evil.example": "block", "clinic.example:8443": "block", "loud.example": "silence",
         "partner.example": "allow", "media.example": "reject_media"}
INSTANCES = ["evil.example", "a.b.evil.example", "evil.example:8443", "notevil.example", "evil.example.org",
             "clinic.example:8443", "clinic.example", "sub.clinic.example:8443", "loud.example", "x.loud.example:81",
             "partner.example", "media.example", "other.example"]


async def rules() -> None:
    for domain, action in RULES.items():
        await DomainRule.create(domain=domain, action=DomainAction(action))


async def test_the_hidden_instances_are_exactly_those_the_policy_covers(db):
    # SPEC: PROTOCOL.md attack 7; storage mirrors policy/domains.py matching (subdomains, ports)
    await rules()
    ids = {domain: (await remote_instance(domain)).id for domain in INSTANCES}
    policy = DomainPolicy(rules=RULES)
    for public, hiding in ((False, {"block"}), (True, {"block", "silence"})):
        expected = {domain for domain in INSTANCES if policy.action_for(domain) in hiding}
        found = {domain for domain, i in ids.items() if i in await hidden_instance_ids(public=public)}
        assert found == expected


async def test_listings_hide_blocked_authors_everywhere_and_silenced_ones_from_public_listings(db, clock):
    await rules()
    circle = await remote_circle("c", "partner.example")
    threads = {}
    for domain in ("evil.example", "loud.example", "partner.example"):
        author = await remote_person("kim", domain)
        threads[domain] = await Thread.create(
            uri=f"https://{domain}/t/1", circle=circle, author=author, title="t",
            published_at=clock.now(), last_activity_at=clock.now(),
        )
        await Post.create(uri=f"https://{domain}/p/1", thread=threads[domain], author=author,
                          in_reply_to_uri=threads[domain].uri, published_at=clock.now())
    public = await (await visible_threads(Thread.all(), public=True)).values_list("uri", flat=True)
    members = await (await visible_threads(Thread.all(), public=False)).values_list("uri", flat=True)
    assert set(public) == {"https://partner.example/t/1"}
    assert set(members) == {"https://partner.example/t/1", "https://loud.example/t/1"}
    posts = await (await visible_posts(Post.all(), public=False)).values_list("uri", flat=True)
    assert set(posts) == {"https://partner.example/p/1", "https://loud.example/p/1"}


async def test_without_rules_nothing_is_hidden(db):
    assert await hidden_instance_ids(public=True) == []
    assert await visible_threads(Thread.all(), public=True) is not None
