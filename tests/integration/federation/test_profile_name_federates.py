"""A member's new profile name, set from an app, reaches the instances that know their Person (the followers of a
public circle they are in, the host of a circle elsewhere they joined) by an Update, as a new key does; two real
instances on loopback."""

from __future__ import annotations

import asyncio

import pytest

from circlefed.domain.accounts import create_account
from circlefed.storage.models import Actor, Delivery
from circlefed.web.keys import SITE
from tests.factories import PASSWORD, approved_member

from .circles import circle, join, member, settle, start_quiet
from .test_mastodon_client import signed_in_app

pytestmark = pytest.mark.storage


async def test_a_new_profile_name_reaches_the_instances_that_know_the_member(start_instance):
    a, b = await start_quiet(start_instance), await start_quiet(start_instance)
    fran, wes, bea = await member(a, "fran"), await member(b, "wes"), await member(b, "bea")
    grief, _ = await circle(a, "grief", fran), await circle(b, "walk", wes)
    with a.db():
        account = await create_account(a.app[SITE], "robin", PASSWORD)
        robin = await Actor.get(id=account.actor_id)
        await approved_member(grief, robin)
    await join(b, bea, f"@grief@{a.domain}")
    await join(a, robin, f"@walk@{b.domain}")
    await settle(a, b)
    with b.db():
        assert (await Actor.get(uri=robin.uri)).display_name != "Robin by the sea"

    app = await signed_in_app(a, "robin")
    shown = await asyncio.to_thread(app.account_update_credentials, display_name="Robin by the sea")
    assert shown["display_name"] == "Robin by the sea"
    with a.db():
        sent = await Delivery.filter(activity__type="Update", activity__object_uri=robin.uri).values_list(
            "inbox_uri", flat=True)
    assert sent and all(inbox.startswith(b.base_url) for inbox in sent), "one Update, to B only"
    await settle(a, b)
    with b.db():
        assert (await Actor.get(uri=robin.uri)).display_name == "Robin by the sea"
    again = await asyncio.to_thread(app.account_update_credentials, display_name="Robin by the sea")
    assert again["display_name"] == "Robin by the sea"
    with a.db():
        assert await Delivery.filter(activity__type="Update", activity__object_uri=robin.uri).count() == len(sent), (
            "the same name again tells nobody")
