"""Invitations to a circle: a facilitator's single-use link, made on the circle's invitations page; a new person
registers with it and is in the circle at once, a member joins with it; spent, revoked or orphaned links all get
the same answer, which names no circle."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest

from circlefed.app import create_app
from circlefed.domain.circle_founding import CirclePlan, found_circle
from circlefed.domain.invites import hash_token
from circlefed.domain.moderation import ban_member
from circlefed.domain.registration import set_registration_mode
from circlefed.storage.models import (
    Account,
    Actor,
    Invite,
    Membership,
    MembershipState,
    RegistrationMode,
    Role,
    Visibility,
)
from tests.factories import PASSWORD, approved_member, site_of
from tests.integration.web.admin_support import signed_in_admin
from tests.integration.web.conftest import HTML, sign_in
from tests.integration.web.page_forms import submit

pytestmark = pytest.mark.storage
RULES = "1. What is said here stays here."
UNUSABLE = "This invitation is not valid"


@pytest.fixture
async def circle(client, settings, clock):
    """A members circle with ground rules, started by the admin ada (signed in on `client`)."""
    await signed_in_admin(client, settings)
    ada = await Actor.get(local_name="ada")
    plan = CirclePlan("quiet_room", "Quiet room", "A calm place.", RULES, Visibility.MEMBERS, requires_approval=True)
    return await found_circle(site_of(settings), plan, ada, facilitator_choices=(), now=clock.now())


async def invitation(client, note: str = "for Sam") -> str:
    """Make a link on the circle's invitations page; its path on this site."""
    made = await submit(client, "/c/quiet_room/facilitate/invites", "Create invitation link", {"note": note})
    page = await made.text()
    assert made.status == 200 and "it is shown only this once" in page
    link = html.unescape(re.search(r'id="invite-link" value="([^"]+)"', page).group(1))
    return link.split("127.0.0.1:8080", 1)[1]


async def visitor(aiohttp_client, settings, clock):
    return await aiohttp_client(create_app(settings, clock=clock))


async def test_a_new_person_registers_with_the_link_and_is_in_the_circle_at_once(
    client, circle, settings, aiohttp_client, clock
):
    path = await invitation(client)
    token = path.rsplit("/", 1)[1]
    assert not await Invite.exists(token_hash=token) and await Invite.exists(token_hash=hash_token(token))
    sam = await visitor(aiohttp_client, settings, clock)
    landing = await (await sam.get(path, headers=HTML)).text()
    assert "You are invited to join Quiet room" in landing and f'href="/register?invite={token}"' in landing
    register = f"/register?invite={token}"
    unticked = await submit(
        sam,
        register,
        "Create my account and join",
        {"username": "sam", "password": PASSWORD, "password_again": PASSWORD},
    )
    page = await unticked.text()
    assert unticked.status == 400 and "tick the box to accept them" in page and 'value="sam"' in page
    assert not await Account.exists(username="sam"), "nothing is written before the rules are accepted"
    joined = await submit(
        sam,
        register,
        "Create my account and join",
        {"username": "sam", "password": PASSWORD, "password_again": PASSWORD, "accept_rules": "on"},
    )
    assert joined.status == 303 and joined.headers["Location"] == "/c/quiet_room"
    account = await Account.get(username="sam")
    assert account.is_approved, "an invited person does not wait for the admins (registration mode: approval)"
    membership = await Membership.get(circle=circle, actor_id=account.actor_id)  # type: ignore[attr-defined]
    assert (membership.state, membership.role) == (MembershipState.APPROVED, Role.MEMBER)
    assert membership.rules_version_acknowledged == circle.rules_version
    circle_page = await (await sam.get("/c/quiet_room", headers=HTML)).text()
    assert "Start a thread" in circle_page and "Leave this circle" in circle_page
    again = await (await visitor(aiohttp_client, settings, clock)).get(path, headers=HTML)
    assert again.status == 400 and UNUSABLE in await again.text(), "the link works once"


async def test_a_member_joins_with_the_link_and_the_facilitator_is_logged_as_approving(
    client, circle, settings, member, aiohttp_client, clock
):
    path = await invitation(client)
    robin = await visitor(aiohttp_client, settings, clock)
    signed_out = await (await robin.get(path, headers=HTML)).text()
    assert "sign in to join" in signed_out and f'href="/register?invite={path.rsplit("/", 1)[1]}"' in signed_out
    await set_registration_mode(RegistrationMode.CLOSED)
    closed = await (await robin.get(path, headers=HTML)).text()
    assert "sign in to join" in closed and "/register?invite=" not in closed and "not taking new members" in closed
    await sign_in(robin)
    unticked = await submit(robin, path, "Join Quiet room")
    assert unticked.status == 400 and "tick the box" in await unticked.text()
    joined = await submit(robin, path, "Join Quiet room", {"accept_rules": "on"})
    assert joined.status == 303 and joined.headers["Location"] == "/c/quiet_room"
    membership = await Membership.get(circle=circle, actor_id=member.actor_id)  # type: ignore[attr-defined]
    assert membership.state is MembershipState.APPROVED
    page = await (await client.get("/c/quiet_room/facilitate/log", headers=HTML)).text()
    log = " ".join(re.sub(r"<[^>]+>", " ", page).split())
    assert "made an invitation link" in log and "(robin) join the circle" in log.replace(" )", ")")


async def test_spent_revoked_expired_and_orphaned_links_get_one_answer_naming_no_circle(
    client, circle, settings, member, aiohttp_client, clock
):
    answers = []
    stranger = await visitor(aiohttp_client, settings, clock)
    answers.append(await stranger.get("/invite/not-a-real-token", headers=HTML))
    revoked = await invitation(client, "to revoke")
    invite = await Invite.get(note="to revoke")
    assert (await submit(client, "/c/quiet_room/facilitate/invites", "Revoke", naming="to revoke")).status == 303
    answers.append(await stranger.get(revoked, headers=HTML))
    expiring = await invitation(client, "expiring")
    clock.advance(timedelta(days=8))
    answers.append(await stranger.get(expiring, headers=HTML))
    orphaned = await invitation(client, "orphaned")
    robin = await Actor.get(local_name="robin")
    await approved_member(circle, robin, role=Role.FACILITATOR)
    await Account.filter(username="ada").update(is_admin=False)
    await Membership.filter(circle=circle, actor__local_name="ada").update(role=Role.MEMBER)
    answers.append(await stranger.get(orphaned, headers=HTML))  # its maker no longer facilitates the circle
    bodies = {
        (answer.status, re.sub(r'name="csrf_token" value="[^"]+"', "", await answer.text())) for answer in answers
    }
    assert len(bodies) == 1, [answer.status for answer in answers]
    ((status, body),) = bodies
    assert status == 400 and UNUSABLE in body and "Quiet room" not in body and "quiet_room" not in body
    assert invite.circle_id == circle.id  # type: ignore[attr-defined]


async def test_a_member_banned_from_the_circle_cannot_join_with_a_link(
    client, circle, settings, member, aiohttp_client, clock
):
    robin = await Actor.get(local_name="robin")
    await approved_member(circle, robin)
    ada = await Actor.get(local_name="ada")
    await ban_member(site_of(settings), circle, robin, ada, now=clock.now())
    path = await invitation(client)
    browser = await visitor(aiohttp_client, settings, clock)
    await sign_in(browser)
    refused = await submit(browser, path, "Join Quiet room", {"accept_rules": "on"})
    assert refused.status == 403 and "Banned from this circle" in await refused.text()
    assert (await Membership.get(circle=circle, actor=robin)).state is MembershipState.BANNED
    assert (await Invite.get(token_hash=hash_token(path.rsplit("/", 1)[1]))).used_at is None, "the link is not spent"
