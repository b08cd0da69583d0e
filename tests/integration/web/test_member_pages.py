"""Member pages: the circles list, a circle's page and joining it, and who sees which threads."""

from __future__ import annotations

import re
from datetime import timedelta

from circlefed.storage.models import Membership, MembershipState, Thread, Visibility
from tests.factories import approved_member
from tests.integration.web.conftest import sign_in
from tests.integration.web.member_world import circle, page, path_of, person, submit, thread


async def _world(settings, clock):
    fran = await person(settings, "fran")
    open_ = await circle(settings, "open", facilitator=fran)
    quiet = await circle(settings, "quiet", visibility=Visibility.MEMBERS, facilitator=fran)
    inhouse = await circle(settings, "inhouse", visibility=Visibility.LOCAL, facilitator=fran)
    await thread(settings, clock, open_, fran, "Morning walks")
    secret = await thread(settings, clock, quiet, fran, "Secret evenings")
    return fran, open_, quiet, inhouse, secret


async def test_anonymous_visitors_see_only_public_circles_listed(client, settings, clock):
    await _world(settings, clock)
    listing = await page(client, "/circles")
    assert listing.count("<h1") == 1
    assert "Open circle" in listing and "About open." in listing
    assert "Quiet circle" not in listing and "Inhouse circle" not in listing
    home = await page(client, "/")
    assert 'href="/circles"' in home


async def test_a_signed_in_non_member_sees_circle_names_but_no_thread_titles(client, settings, clock, member):
    await _world(settings, clock)
    await sign_in(client)
    listing = await page(client, "/circles")
    assert "Quiet circle" in listing and "Inhouse circle" in listing and "members only" in listing
    quiet = await page(client, "/c/quiet")
    assert "Quiet circle" in quiet and "Request to join" in quiet
    assert "Secret evenings" not in quiet and "fran" not in quiet
    inhouse = await page(client, "/c/inhouse")
    assert "Inhouse circle" in inhouse
    open_page = await page(client, "/c/open")
    assert "Morning walks" in open_page  # public content for everyone


async def test_a_member_sees_the_threads_of_their_circle(client, settings, clock, member):
    _, _, quiet, _, secret = await _world(settings, clock)
    await approved_member(quiet, await member.actor)
    await sign_in(client)
    quiet_page = await page(client, "/c/quiet")
    assert "Secret evenings" in quiet_page and "Start a thread" in quiet_page
    assert f'href="{path_of(secret.uri)}"' in quiet_page
    listing = await page(client, "/circles")
    assert "Your circles" in listing and 'href="/c/quiet"' in listing.split("Circles you can join")[0]


async def test_a_members_thread_is_404_to_a_non_member_exactly_like_a_missing_one(client, settings, clock, member):
    _, _, _, _, secret = await _world(settings, clock)
    missing = "/t/doesnotexist"
    for who in ("anonymous", "robin"):
        if who == "robin":
            await sign_in(client)
        hidden = await client.get(path_of(secret.uri), headers={"Accept": "text/html"})
        absent = await client.get(missing, headers={"Accept": "text/html"})
        assert hidden.status == absent.status == 404
        strip = re.compile(r"<code>[^<]*</code>|name=\"csrf_token\" value=\"[^\"]*\"")
        assert strip.sub("", await hidden.text()) == strip.sub("", await absent.text())
        by_id = await client.get(f"/threads/{secret.id}", headers={"Accept": "text/html"})
        assert by_id.status == 404 and "Secret evenings" not in await by_id.text()


async def test_anonymous_visitors_get_a_local_circle_as_missing(client, settings, clock, member):
    await _world(settings, clock)
    hidden = await client.get("/c/inhouse", headers={"Accept": "text/html"})
    absent = await client.get("/c/nosuchcircle", headers={"Accept": "text/html"})
    assert hidden.status == absent.status == 404
    strip = re.compile(r"<code>[^<]*</code>")  # the request id
    assert strip.sub("", await hidden.text()) == strip.sub("", await absent.text())
    await sign_in(client)  # the control: a person of this instance finds the circle there
    assert "Inhouse circle" in await page(client, "/c/inhouse")


async def test_joining_a_circle_with_ground_rules_needs_the_box_ticked(client, settings, clock, member):
    fran = await person(settings, "fran")
    kind = await circle(settings, "kind", facilitator=fran, rules="Be gentle.")
    await sign_in(client)
    circle_page = await page(client, "/c/kind")
    assert "I have read and accept the ground rules" in circle_page
    refused = await submit(client, "/c/kind/join", {"rules_version": "1"}, page_with_form="/c/kind")
    assert refused.status == 400
    text = await refused.text()
    assert 'aria-describedby="accept_rules-error"' in text and "tick the box" in text
    assert not await Membership.exists(circle_id=kind.id, actor_id=member.actor_id)
    joined = await submit(
        client, "/c/kind/join", {"rules_version": "1", "accept_rules": "on"}, page_with_form="/c/kind"
    )
    assert joined.status == 303 and joined.headers["Location"] == "/c/kind"
    membership = await Membership.get(circle_id=kind.id, actor_id=member.actor_id)
    assert membership.state is MembershipState.APPROVED and membership.rules_version_acknowledged == 1
    assert "Welcome to Kind circle." in await page(client, "/c/kind")


async def test_changed_rules_must_be_accepted_again_before_posting(client, settings, clock, member):
    fran = await person(settings, "fran")
    kind = await circle(settings, "kind", facilitator=fran, rules="Be gentle.")
    await approved_member(kind, await member.actor)
    kind.rules_version = 2
    await kind.save()
    await sign_in(client)
    circle_page = await page(client, "/c/kind")
    assert "The ground rules have changed" in circle_page and "Start a thread" not in circle_page
    assert (await client.get("/c/kind/new", headers={"Accept": "text/html"})).status == 403
    done = await submit(client, "/c/kind/rules", {"rules_version": "2", "accept_rules": "on"}, page_with_form="/c/kind")
    assert done.status == 303
    assert "Start a thread" in await page(client, "/c/kind")


async def test_asking_to_join_a_members_circle_waits_for_a_facilitator(client, settings, clock, member):
    _, _, quiet, _, _ = await _world(settings, clock)
    await sign_in(client)
    response = await submit(client, "/c/quiet/join", {}, page_with_form="/c/quiet")
    assert response.status == 303
    membership = await Membership.get(circle_id=quiet.id, actor_id=member.actor_id)
    assert membership.state is MembershipState.PENDING
    quiet_page = await page(client, "/c/quiet")
    assert "waiting for a facilitator" in quiet_page and "Secret evenings" not in quiet_page
    assert "waiting for approval" in await page(client, "/circles")
    withdrawn = await submit(client, "/c/quiet/leave", {}, page_with_form="/c/quiet")
    assert withdrawn.status == 303 and not await Membership.exists(circle_id=quiet.id, actor_id=member.actor_id)


async def test_the_thread_list_pages_walk_every_thread_once_pinned_first(client, settings, clock, member):
    fran = await person(settings, "fran")
    busy = await circle(settings, "busy", facilitator=fran)
    titles = []
    for number in range(30):
        clock.advance(timedelta(minutes=1))
        titles.append((await thread(settings, clock, busy, fran, f"Topic number {number:02d}")).title)
    await Thread.filter(title="Topic number 03").update(is_pinned=True)
    await Thread.filter(title="Topic number 05").update(is_locked=True)
    seen: list[str] = []
    path = "/c/busy"
    pages = 0
    while path:
        text = await page(client, path)
        seen += re.findall(r">(Topic number \d\d)</a>", text)
        found = re.search(r'<a href="([^"]+)" rel="next">', text)
        path = found.group(1).replace("&amp;", "&") if found else None
        pages += 1
    assert pages == 2
    assert sorted(seen) == sorted(titles) and len(seen) == len(set(seen))
    assert seen[0] == "Topic number 03" and seen[1] == "Topic number 29"  # pinned, then newest-active
    first = await page(client, "/c/busy")
    assert "locked" in first.split("Topic number 05")[1][:200]
