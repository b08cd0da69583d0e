"""Services own their transaction: a use case is committed whole or not at all, and it decides what the page
used to (a like or taking it back)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from circlefed.errors import BadRequest
from circlefed.services.instance_settings import InstanceSettings, save_instance_settings
from circlefed.services.posting import toggle_like
from circlefed.storage.models import CircleCreators, InstancePolicy, Reaction, RegistrationMode
from tests.factories import SITE, approved_member, local_circle, local_person, published_thread
from tests.unit.domain.circle_support import fast_accounts

pytestmark = pytest.mark.storage
__all__ = ["fast_accounts"]  # the autouse fixture
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def settings(name: str, **switches: bool) -> InstanceSettings:
    return InstanceSettings(
        name=name, description="", registration_mode=RegistrationMode.OPEN, circle_creators=CircleCreators.ADMINS,
        crisis_resources="", switches=switches, share_real_names=False, members_to_untrusted_software=False,
    )


async def stored_name() -> str | None:
    return (await InstancePolicy.first()).instance_name


async def test_the_instance_settings_form_is_saved_whole_or_not_at_all(db):
    assert await save_instance_settings(settings("Harbour", hold_first_posts=True), now=NOW) == 0
    assert await stored_name() == "Harbour"
    with pytest.raises(BadRequest, match="unknown policy switch"):
        await save_instance_settings(settings("Lighthouse", no_such_switch=True), now=NOW)
    assert await stored_name() == "Harbour", "the name saved before the refused switch was rolled back"


async def test_a_like_is_given_then_taken_back(db):
    fran, kim = await local_person(SITE, "fran"), await local_person(SITE, "kim")
    circle = await local_circle(SITE, "grief", fran)
    await approved_member(circle, kim)
    thread = await published_thread(SITE, circle, fran, now=NOW)
    assert await toggle_like(SITE, circle, thread, kim, now=NOW) is True
    assert await Reaction.filter(object_uri=thread.uri, actor_id=kim.id).count() == 1
    assert await toggle_like(SITE, circle, thread, kim, now=NOW) is False
    assert not await Reaction.exists(object_uri=thread.uri, actor_id=kim.id)
