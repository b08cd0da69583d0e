"""Remote actors as real servers publish them (issue 22 item 1): every field ActivityPub leaves optional may be
missing (preferredUsername, name, summary, icon, endpoints, followers), and the actor still fetches signed
documents, joins a circle, is shown and votes."""

import pytest

from circlefed.domain.reactions import reaction_counts
from circlefed.storage.models import Actor, Membership, MembershipState
from tests.fakes.remote import get_signed

from .circles import settle
from .fixtures import deliver, join_by_fixture, payload

pytestmark = pytest.mark.storage

OPTIONAL = ("preferredUsername", "name", "summary", "icon", "endpoints", "followers")


async def test_actors_missing_any_optional_field_fetch_join_and_vote(hosted, remote, http):
    for field in OPTIONAL:
        actor = remote.add_actor(f"no-{field.lower()}")
        actor.document.update(summary="<p>Here to listen.</p>", icon={"type": "Image", "url": f"{actor.uri}.png"})
        del actor.document[field]
        status, text = await get_signed(http, actor, hosted.group_uri)
        assert status == 200 and hosted.group_uri in text, f"without {field}: {status} {text[:200]}"
        await join_by_fixture(hosted, http, remote, actor, "mastodon_follow_1")
        like = payload("mastodon_like_1", **hosted.ids(remote, actor, object=hosted.thread.uri))
        await deliver(http, actor, hosted.inbox, like)
        with hosted.instance.db():
            member = await Membership.get(circle=hosted.circle, actor__uri=actor.uri)
            assert member.state is MembershipState.APPROVED, f"without {field}"
    await settle(hosted.instance)
    with hosted.instance.db():
        assert (await reaction_counts(hosted.thread.uri))["like"] == len(OPTIONAL)
        # SPEC: issue 22 item 1: the handle of an actor without preferredUsername comes from its id's path
        unnamed = await Actor.get(uri=f"{remote.base_url}/users/no-preferredusername")
        assert unnamed.preferred_username == "no-preferredusername"
