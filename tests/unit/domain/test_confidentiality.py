"""Confidentiality in the domain: visibility within limits, trusted instances, retention, per-circle pseudonyms."""

from datetime import UTC, datetime, timedelta

import pytest

from circlefed.domain import actors as domain_actors
from circlefed.domain import confidentiality as conf
from circlefed.domain.pseudonyms import attributed_actor, ensure_pseudonyms, generated_display_name
from circlefed.domain.retention import expire_posts
from circlefed.errors import BadRequest, Forbidden, NotFound
from circlefed.storage.models import Membership, Post, Thread, Visibility
from tests.factories import SITE, local_circle, local_person

from .circle_support import fast_accounts

pytestmark = pytest.mark.storage
__all__ = ["fast_accounts"]  # the autouse fixture
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


async def test_visibility_changes_follow_the_admins_limits(db):
    fran, sam = await local_person(SITE, "fran"), await local_person(SITE, "sam")
    ada = await local_person(SITE, "ada", is_admin=True)
    circle = await local_circle(SITE, "grief", fran)
    changed = await conf.set_visibility(circle, "members", by=fran, facilitator_choices=("members", "local"))
    assert (changed.before, changed.after) == (Visibility.PUBLIC, Visibility.MEMBERS) and circle.requires_approval
    assert await conf.set_visibility(circle, "members", by=fran, facilitator_choices=("members",)) is None
    with pytest.raises(Forbidden):
        await conf.set_visibility(circle, "public", by=fran, facilitator_choices=("members", "local"))
    with pytest.raises(Forbidden):
        await conf.set_visibility(circle, "local", by=sam, facilitator_choices=("members", "local"))
    with pytest.raises(BadRequest):
        await conf.set_visibility(circle, "hidden", by=None, facilitator_choices=())
    assert await conf.set_visibility(circle, "public", by=ada, facilitator_choices=())  # an admin chooses any


async def test_trusted_instances_are_canonical_and_listed(db):
    await conf.trust_instance("Partner.Example.:443", note="agreement")
    policy = await conf.load_confidentiality_policy()
    assert policy.trusted_domains == frozenset({"partner.example"}) and not policy.share_real_names
    await conf.set_share_real_names(True)
    await conf.set_members_to_untrusted_software(True)
    policy = await conf.load_confidentiality_policy()
    assert policy.share_real_names and policy.members_to_untrusted_software
    await conf.distrust_instance("partner.example")
    with pytest.raises(NotFound):
        await conf.distrust_instance("partner.example")


async def test_retention_expires_old_threads_with_their_replies_and_old_replies(db):
    fran = await local_person(SITE, "fran")
    circle = await local_circle(SITE, "grief", fran)
    old = await Thread.create(uri="http://127.0.0.1:8080/t/old", circle=circle, author=fran, title="Old",
                              content_html="<p>old</p>", published_at=NOW - timedelta(days=40),
                              last_activity_at=NOW)
    young = await Thread.create(uri="http://127.0.0.1:8080/t/young", circle=circle, author=fran, title="Young",
                                content_html="<p>young</p>", published_at=NOW - timedelta(days=2),
                                last_activity_at=NOW)
    fresh_reply_in_old = await Post.create(uri="http://127.0.0.1:8080/p/1", thread=old, author=fran,
                                           in_reply_to_uri=old.uri, content_html="x", published_at=NOW)
    old_reply_in_young = await Post.create(uri="http://127.0.0.1:8080/p/2", thread=young, author=fran,
                                           in_reply_to_uri=young.uri, content_html="y",
                                           published_at=NOW - timedelta(days=31))
    expired = await expire_posts(circle, NOW - timedelta(days=30), NOW)
    assert {row.uri for row in expired} == {old.uri, fresh_reply_in_old.uri, old_reply_in_young.uri}
    assert (await Thread.get(id=old.id)).title == "" and (await Thread.get(id=young.id)).deleted_at is None
    assert (await Post.get(id=old_reply_in_young.id)).content_html == ""
    assert await expire_posts(circle, NOW - timedelta(days=30), NOW) == []


async def published_as(circle, someone):
    """As publishing shows `someone`: their pseudonym made first (if one is due), then read."""
    await ensure_pseudonyms(SITE, circle, [someone])
    return await attributed_actor(SITE, circle, someone)


async def test_a_member_has_one_stable_pseudonym_per_members_circle(db):
    fran = await local_person(SITE, "fran")
    quiet = await local_circle(SITE, "quiet", fran, visibility=Visibility.MEMBERS)
    calm = await local_circle(SITE, "calm", fran, visibility=Visibility.MEMBERS)
    public = await local_circle(SITE, "open", fran)
    await domain_actors.instance_actor(SITE.uris, SITE.domain, SITE.name)
    unmade = await attributed_actor(SITE, quiet, fran)
    assert unmade.id is None and unmade.uri != fran.uri, "rendering names the pseudonym to come, never the member"
    first = await published_as(quiet, fran)
    assert first.id != fran.id and first.local_name.startswith("m_") and "fran" not in first.uri
    assert first.uri == unmade.uri
    assert await published_as(quiet, fran) == first
    other = await published_as(calm, fran)
    assert other.id not in (first.id, fran.id), "circles cannot be linked through the pseudonym"
    assert await published_as(public, fran) == fran
    assert first.display_name == generated_display_name(first.local_name)
    assert (await Membership.get(circle=quiet, actor=fran)).pseudonym is None, "a generated name is no choice"
    await conf.set_share_real_names(True)
    assert await published_as(quiet, fran) == first, "a pseudonym in use stays"
    kim = await local_person(SITE, "kim")
    assert await published_as(calm, kim) == kim, "new pseudonyms only while names are hidden"
