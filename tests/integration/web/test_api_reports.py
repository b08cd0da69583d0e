"""Reports from an app reach the circle's facilitators as a report from the page does, with the same checks:
members only, never one's own post, one open report per post, a category the facilitators understand."""

from __future__ import annotations

import pytest

from circlefed.storage.models import Actor, Report, ReportCategory, Visibility
from tests.factories import approved_member
from tests.integration.web.api_support import answer_of, post_status, token_of
from tests.integration.web.conftest import sign_in
from tests.integration.web.member_world import circle, page, person
from tests.integration.web.oauth_flow import register

pytestmark = pytest.mark.storage
REPORTS = "/api/v1/reports"


@pytest.fixture
async def app_client(client):
    return await register(client)


async def send_report(client, headers, **data):
    response = await client.post(REPORTS, json=data, headers=headers)
    return response.status, await response.json()


async def test_a_member_reports_a_post_and_the_facilitators_see_it(client, grief, settings, app_client):
    await approved_member(grief, await person(settings, "sam"))
    robin = await token_of(client, app_client, "robin")
    sam = await token_of(client, app_client, "sam")
    _, made = await post_status(client, robin, status="@grief Advice\nStop your medication today.")
    status, body = await send_report(
        client, sam, account_id=made["account"]["id"], status_ids=[made["id"]], category="violation",
        comment="Harmful <advice>",
    )
    assert status == 200, body
    assert body["status_ids"] == [made["id"]] and body["target_account"]["id"] == made["account"]["id"]
    assert (body["category"], body["comment"], body["action_taken"]) == ("violation", "Harmful <advice>", False)
    report = await Report.get()
    assert (report.category, report.reason) == (ReportCategory.GROUND_RULES, "Harmful <advice>")
    assert report.reported_actor_id == (await Actor.get(local_name="robin")).id
    client.session.cookie_jar.clear()
    await sign_in(client, "fran")
    queue = await page(client, "/c/grief/facilitate/reports")
    assert "Harmful &lt;advice&gt;" in queue and "Advice" in queue
    status, body = await send_report(client, sam, status_ids=[made["id"]], category="spam")
    assert status == 422 and "reported these posts already" in body["error"]
    assert await Report.all().count() == 1


async def test_form_fields_as_apps_send_them(client, grief, settings, app_client):
    await approved_member(grief, await person(settings, "sam"))
    robin = await token_of(client, app_client, "robin")
    sam = await token_of(client, app_client, "sam")
    _, made = await post_status(client, robin, status="@grief Advice\nSomething.")
    response = await client.post(
        REPORTS, data=[("status_ids[]", made["id"]), ("category", "harmful_advice"), ("comment", "")], headers=sam
    )
    assert response.status == 200, await response.text()
    assert (await Report.get()).category is ReportCategory.HARMFUL_ADVICE


async def test_refusals_are_clear_and_outsiders_learn_nothing(client, grief, settings, member, app_client):
    fran = await Actor.get(local_name="fran")
    quiet = await circle(settings, "quiet", visibility=Visibility.MEMBERS, facilitator=fran)
    await approved_member(quiet, await member.actor)
    await person(settings, "sam")
    robin = await token_of(client, app_client, "robin")
    sam = await token_of(client, app_client, "sam")
    _, public_post = await post_status(client, robin, status="@grief Open\nWords.")
    _, private_post = await post_status(client, robin, status="@quiet Closed\nWords.")
    assert (await send_report(client, robin, status_ids=[public_post["id"]]))[0] == 403, "not one's own post"
    status, body = await send_report(client, sam, status_ids=[public_post["id"]])
    assert (status, body["error"]) == (403, "Only members of this circle can report its posts.")
    missing = str(int(private_post["id"]) + 1)
    assert await answer_of(client, "POST", f"{REPORTS}?status_ids[]={private_post['id']}", sam) == await answer_of(
        client, "POST", f"{REPORTS}?status_ids[]={missing}", sam)
    status, body = await send_report(client, sam, status_ids=[private_post["id"]])
    assert (status, body) == (404, {"error": "Record not found"})
    status, body = await send_report(client, sam, account_id=public_post["account"]["id"])
    assert status == 422 and "status_ids" in body["error"]
    fran_token = await token_of(client, app_client, "fran")
    status, body = await send_report(client, fran_token, status_ids=[public_post["id"]], category="urgent")
    assert status == 422 and "Unknown category" in body["error"]
    status, body = await send_report(client, fran_token, status_ids=[public_post["id"], private_post["id"]])
    assert status == 422 and "one circle" in body["error"]
    assert not await Report.exists()
