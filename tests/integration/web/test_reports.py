"""Reports through the pages: a reason category is required (what was typed is kept), one open report per person
and post, the facilitators' queue shows the category, and a report about a facilitator goes to someone else."""

from __future__ import annotations

import re

import pytest

from circlefed.storage.models import Actor, Report, ReportCategory, ReportState, Role
from tests.factories import approved_member
from tests.integration.web.admin_support import signed_in_admin
from tests.integration.web.conftest import HTML, post_form, sign_in
from tests.integration.web.member_world import page, path_of, person, thread
from tests.integration.web.page_forms import submit

pytestmark = pytest.mark.storage

QUEUE = "/c/grief/facilitate/reports"



async def fran_thread(settings, clock, grief, title="Fran's thread"):
    return await thread(settings, clock, grief, await Actor.get(preferred_username="fran"), title)


async def landing(client, response) -> str:
    assert response.status == 303, (response.status, (await response.text())[:1500])
    return await page(client, response.headers["Location"])


async def test_a_report_without_a_reason_category_is_refused_and_keeps_what_was_typed(
    client, grief, settings, clock, member
):
    theirs = await fran_thread(settings, clock, grief)
    await sign_in(client)
    words = "They told me to stop my medication <right away>"
    refused = await submit(client, path_of(theirs.uri), "Send report", fill={"reason-opening": words})
    text = await refused.text()
    assert refused.status == 400
    assert "Choose why you are reporting this post." in text and 'aria-invalid="true"' in text
    assert "They told me to stop my medication &lt;right away&gt;</textarea>" in text  # kept, escaped
    assert not await Report.exists()
    # The page of the report form says the same for a choice that is not one of the categories.
    path = f"/threads/{theirs.id}/report"
    assert (await submit(client, path, "Send report", fill={"category": "urgent"})).status == 400
    sent = await submit(client, path, "Send report", fill={"category": "harmful_advice", "reason": words})
    assert "Thank you. The facilitators will look at your report." in await landing(client, sent)
    report = await Report.get()
    assert (report.category, report.reason, report.object_uri) == (ReportCategory.HARMFUL_ADVICE, words, theirs.uri)
    assert (report.reporter_id, report.reported_actor_id) == (member.actor_id, theirs.author_id)


async def test_the_category_choices_are_the_six_kinds(client, grief, settings, clock):
    theirs = await fran_thread(settings, clock, grief)
    await sign_in(client)
    form = await page(client, f"/threads/{theirs.id}/report")
    offered = re.findall(r'<option value="([a-z_]*)"[^>]*>([^<]+)</option>', form)
    assert offered == [
        ("", "Choose a reason"),
        ("ground_rules", "Breaks the ground rules"),
        ("harmful_advice", "Harmful advice"),
        ("crisis_concern", "Crisis concern"),
        ("harassment", "Harassment"),
        ("spam", "Spam"),
        ("other", "Something else"),
    ]


async def test_a_second_report_of_the_same_post_says_so_and_makes_no_row(client, grief, settings, clock):
    theirs = await fran_thread(settings, clock, grief)
    await sign_in(client)
    path = path_of(theirs.uri)
    first = await submit(client, path, "Send report", fill={"category": "spam"})
    assert "The facilitators will look at your report." in await landing(client, first)
    again = await submit(client, path, "Send report", fill={"category": "harassment", "reason-opening": "still"})
    assert "You reported this post already." in await landing(client, again)
    assert await Report.all().count() == 1
    # Once the facilitators closed it, the same person can report the post again.
    await Report.filter().update(state=ReportState.RESOLVED, open_key=None)
    third = await submit(client, path, "Send report", fill={"category": "harassment"})
    assert "The facilitators will look at your report." in await landing(client, third)
    assert await Report.filter(state=ReportState.OPEN).count() == 1


async def test_facilitators_see_the_category_and_the_words_in_their_queue(client, grief, settings, clock, member):
    robin = await member.actor
    theirs = await thread(settings, clock, grief, robin, "Robin's thread")
    kim = await person(settings, "kim")
    await approved_member(grief, kim)
    await sign_in(client, "kim")
    sent = await submit(client, path_of(theirs.uri), "Send report",
                        fill={"category": "crisis_concern", "reason-opening": "they wrote about tonight"})
    assert sent.status == 303
    await sign_in(client, "fran")
    queue = await page(client, QUEUE)
    assert re.search(r"<strong>Why:</strong>\s*Crisis concern", queue)
    assert "<strong>In their words:</strong> they wrote about tonight" in queue
    assert re.search(r'href="/c/grief/facilitate/reports">Reports <span class="badge">1', queue)


async def test_a_report_about_a_facilitators_post_goes_to_the_other_facilitators(client, grief, settings, clock):
    kim = await person(settings, "kim")
    await approved_member(grief, kim, role=Role.FACILITATOR)
    theirs = await fran_thread(settings, clock, grief)
    await sign_in(client)
    assert (await submit(client, path_of(theirs.uri), "Send report", fill={"category": "harassment"})).status == 303
    report = await Report.get()
    await sign_in(client, "fran")
    queue = await page(client, QUEUE)
    assert "There are no open reports." in queue and 'Reports <span class="badge">' not in queue
    refused = await post_form(client, QUEUE + "/resolve", {"report_id": report.id, "outcome": "nothing"}, page=QUEUE)
    assert refused.status == 403 and (await Report.get(id=report.id)).state is ReportState.OPEN
    await sign_in(client, "kim")
    assert "Harassment" in await page(client, QUEUE)
    resolved = await submit(client, QUEUE, "Resolve", fill={"outcome": "talked with fran"})
    assert "Report resolved." in await landing(client, resolved)


async def test_a_report_about_the_only_facilitator_goes_to_the_admins(client, grief, settings, clock):
    theirs = await fran_thread(settings, clock, grief)
    await sign_in(client)
    assert (await submit(client, path_of(theirs.uri), "Send report", fill={"category": "spam"})).status == 303
    await sign_in(client, "fran")
    assert "There are no open reports." in await page(client, QUEUE)
    assert "0 open reports" in await page(client, "/facilitate")
    await signed_in_admin(client, settings)
    overview = await page(client, "/admin")
    assert "Reports waiting for an admin" in overview
    assert f'<a href="{QUEUE}">1 report in Grief circle</a>' in overview
    assert "Spam" in await page(client, QUEUE)
    resolved = await submit(client, QUEUE, "Resolve", fill={"outcome": "asked fran to stop advertising"})
    assert "Report resolved." in await landing(client, resolved)
    assert "Reports waiting for an admin" not in await page(client, "/admin")


async def test_only_members_reach_the_report_form(client, grief, settings, clock):
    theirs = await fran_thread(settings, clock, grief)
    await person(settings, "sam")
    await sign_in(client, "sam")
    response = await client.get(f"/threads/{theirs.id}/report", headers=HTML)
    assert response.status == 403
    assert "Send report" not in await page(client, path_of(theirs.uri))
