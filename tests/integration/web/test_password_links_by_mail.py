"""Forgotten passwords by e-mail, through the real pages and a real SMTP server on loopback: the address on /account,
"Forgot your password?" on /login, the /reset form, the e-mail's link, the new password; the same answer whoever
is named, the limits, and nothing of it in the logs."""

from __future__ import annotations

import asyncio
import dataclasses
import html
import json
import logging
import re
from datetime import timedelta

import pytest

from circlefed.app import create_app
from circlefed.domain.reset_requests import MAX_PER_ADDRESS
from circlefed.log import QUIETED
from circlefed.storage.models import Account
from circlefed.web.ui.password_forgot import SENDS
from tests.conftest import settings_for
from tests.factories import NEW_PASSWORD, PASSWORD, member_account, site_of
from tests.fakes.smtp import SmtpServer
from tests.integration.web.conftest import HTML, post_form, sign_in
from tests.integration.web.page_forms import submit

pytestmark = pytest.mark.storage
ROBIN_MAIL = "robin.private@example.org"
NEUTRAL = "If an account with that name or address exists and has an e-mail address, a link is on its way."
LINK = re.compile(r"http://127\.0\.0\.1:8080(/reset/([A-Za-z0-9_-]+))")
SMTP_SERVER_LOG = "mail.log"  # the test's SMTP server's own lines (they name the addresses it is given)


@pytest.fixture
async def smtp():
    async with SmtpServer() as server:
        yield server


def mail_settings(database_url: str, port: int, **mail) -> dict:
    values = {"host": "127.0.0.1", "port": port, "from_address": "Circles <noreply@circles.example>", "tls": "none"}
    settings = settings_for(database_url, mail={**values, **mail})
    return dataclasses.replace(settings, web=dataclasses.replace(settings.web, run_worker=False))


@pytest.fixture
async def mail_app(database_url, smtp, clock):
    return create_app(mail_settings(database_url, smtp.port), clock=clock)


@pytest.fixture
async def browser(aiohttp_client, mail_app, db):
    return await aiohttp_client(mail_app)


async def sends_done(app) -> None:
    """The e-mails the pages started sending (after answering) have gone, or failed."""
    if app[SENDS]:
        await asyncio.wait(set(app[SENDS]), timeout=10)


async def ask_for_link(client, name: str):
    return await submit(client, "/reset", "Send me a link", fill={"name": name})


def _let_through(record: logging.LogRecord) -> bool:
    """What an instance logs at logging.level = DEBUG: everything but the lines log.QUIETED keeps off."""
    for name, lowest in QUIETED.items():
        if (record.name == name or record.name.startswith(name + ".")) and record.levelno < lowest:
            return False
    return not record.name.startswith(SMTP_SERVER_LOG)


def our_log_lines(caplog) -> str:
    return "\n".join(r.getMessage() for r in caplog.records if _let_through(r))


async def test_a_member_saves_an_address_then_sets_a_new_password_through_the_link_it_receives(
    browser, database_url, smtp, clock, member, aiohttp_client, caplog
):
    caplog.set_level(logging.DEBUG)
    await sign_in(browser)
    saved = await submit(browser, "/account", "Save e-mail address", fill={"email": f"  {ROBIN_MAIL} "})
    assert saved.status == 303
    account_page = await (await browser.get("/account", headers=HTML)).text()
    assert "Your e-mail address is saved." in account_page and f'value="{ROBIN_MAIL}"' in account_page
    assert (await Account.get(id=member.id)).email == ROBIN_MAIL

    visitor_app = create_app(mail_settings(database_url, smtp.port), clock=clock)  # another browser, another process
    visitor = await aiohttp_client(visitor_app)
    login_page = await (await visitor.get("/login", headers=HTML)).text()
    forgot = re.search(r'<a href="([^"]+)">Forgot your password\?</a>', login_page)
    assert forgot and forgot.group(1) == "/reset"
    answer = await ask_for_link(visitor, "robin")
    assert answer.status == 200 and NEUTRAL in await answer.text()

    [message] = await smtp.wait_for(1)
    assert smtp.envelopes == [("noreply@circles.example", [ROBIN_MAIL])]
    assert message["To"] == ROBIN_MAIL and message["Subject"] == "Set a new password on circlefed"
    body = message.get_content()
    assert "Hello robin," in body and "within 24 hours" in body
    path, token = LINK.search(body).groups()
    form = await (await visitor.get(path, headers=HTML)).text()
    assert "For the account <strong>robin</strong>" in form
    saved = await submit(
        visitor, path, "Save the new password", fill={"password": NEW_PASSWORD, "password_again": NEW_PASSWORD}
    )
    assert saved.status == 303 and saved.headers["Location"] == "/login"
    assert (await browser.get("/account", headers=HTML, allow_redirects=False)).status == 303, "signed out everywhere"
    old = await post_form(visitor, "/login", {"username": "robin", "password": PASSWORD})
    assert old.status == 400 and "do not match" in await old.text()
    await sign_in(visitor, "robin", NEW_PASSWORD)
    assert (await visitor.get(path, headers=HTML)).status == 410, "the link worked once"

    await sends_done(visitor_app)
    logged = our_log_lines(caplog)
    assert f"password link e-mail for account {member.id} handed to the SMTP server" in logged  # the log is read
    assert f"account {member.id} saved its e-mail address" in logged
    for secret in (token, NEW_PASSWORD, PASSWORD, ROBIN_MAIL, "robin.private"):
        assert secret not in logged, f"{secret!r} is in the log"


async def test_the_answer_is_the_same_whoever_is_named_and_only_a_live_account_with_an_address_gets_mail(
    browser, mail_app, smtp, settings, member
):
    site = site_of(settings)
    await Account.filter(id=member.id).update(email=ROBIN_MAIL)
    await member_account(site, "sam")  # no address
    dana = await member_account(site, "dana")
    await Account.filter(id=dana.id).update(email="dana@example.org", is_disabled=True)
    waiting = await member_account(site, "wren")
    await Account.filter(id=waiting.id).update(email="wren@example.org", is_approved=False)
    answers = {}
    named = ["nobody", "nobody@example.org", "sam", "dana", "dana@example.org", "wren", "robin"]
    for name in [*named, "Robin.Private@Example.org"]:
        response = await ask_for_link(browser, name)
        answers[name] = (response.status, await response.read())
    assert set(answers.values()) == {answers["robin"]}, "every answer is byte for byte the same"
    assert answers["robin"][0] == 200 and NEUTRAL.encode() in answers["robin"][1]
    await sends_done(mail_app)
    assert [rcpt for _, rcpt in smtp.envelopes] == [[ROBIN_MAIL], [ROBIN_MAIL]], "by name and by address"
    links = [LINK.search(m.get_content()).group(1) for m in smtp.messages]
    assert (await browser.get(links[0], headers=HTML)).status == 410, "the newer link replaced the first"
    assert (await browser.get(links[1], headers=HTML)).status == 200


async def test_without_mail_there_is_no_link_and_reset_says_to_ask_an_admin(client, browser, member):
    assert "Forgot your password?" in await (await browser.get("/login", headers=HTML)).text()  # with mail
    assert "Forgot your password?" not in await (await client.get("/login", headers=HTML)).text()
    page = await client.get("/reset", headers=HTML)
    assert page.status == 404 and "Ask an admin" in await page.text()
    posted = await post_form(client, "/reset", {"name": "robin"})
    assert posted.status == 404 and "Ask an admin" in await posted.text()
    await sign_in(client)
    assert "Save e-mail address" not in await (await client.get("/account", headers=HTML)).text()
    await sign_in(browser)
    assert "Save e-mail address" in await (await browser.get("/account", headers=HTML)).text()


async def test_an_address_that_is_not_one_is_refused_and_shown_again_and_an_empty_one_removes_it(browser, member):
    await sign_in(browser)
    for typed, reason in [
        ("robin at example.org", "That does not look like an e-mail address. It should look like name@example.org."),
        ("robin@localhost", "That does not look like an e-mail address."),
        ("r" * 250 + "@example.org", "E-mail address can be at most 255 characters long (it has 262)."),
    ]:
        refused = await submit(browser, "/account", "Save e-mail address", fill={"email": typed})
        page = await refused.text()
        assert refused.status == 400 and reason in page, typed
        assert f'value="{html.escape(typed)}"' in page and 'aria-invalid="true"' in page
        assert (await Account.get(id=member.id)).email is None
    await submit(browser, "/account", "Save e-mail address", fill={"email": ROBIN_MAIL})
    assert (await Account.get(id=member.id)).email == ROBIN_MAIL
    exported = json.loads(await (await browser.get("/account/export")).read())
    assert exported["account"]["email"] == ROBIN_MAIL, "the member's own export has it"
    removed = await submit(browser, "/account", "Save e-mail address", fill={"email": ""})
    assert removed.status == 303 and (await Account.get(id=member.id)).email is None
    assert "Your e-mail address is removed." in await (await browser.get("/account", headers=HTML)).text()


async def test_the_address_is_in_no_activitypub_document(browser, member):
    await Account.filter(id=member.id).update(email=ROBIN_MAIL)
    actor = await browser.get("/u/robin", headers={"Accept": "application/activity+json"})
    document = await actor.text()
    assert actor.status == 200 and json.loads(document)["preferredUsername"] == "robin"
    assert ROBIN_MAIL not in document and "example.org" not in document


async def test_asking_too_often_is_refused_with_429_and_mails_to_one_account_are_capped(
    browser, mail_app, smtp, member, clock, caplog
):
    caplog.set_level(logging.INFO)
    await Account.filter(id=member.id).update(email=ROBIN_MAIL)
    assert [(await ask_for_link(browser, "robin")).status for _ in range(3)] == [200] * 3
    refused = await ask_for_link(browser, "robin")
    assert refused.status == 429 and int(refused.headers["Retry-After"]) > 14 * 60
    assert "Too many requests for a link to set a new password. Please wait 15 minutes" in await refused.text()
    capped = await ask_for_link(browser, ROBIN_MAIL)  # another way to name the account: same answer, no fourth mail
    assert capped.status == 200 and NEUTRAL in await capped.text()
    others = [(await ask_for_link(browser, f"someone{n}")).status for n in range(MAX_PER_ADDRESS - 4)]
    assert others == [200] * (MAX_PER_ADDRESS - 4)
    from_here = await ask_for_link(browser, "someone-else")
    assert from_here.status == 429 and "Too many requests" in await from_here.text()
    await sends_done(mail_app)
    assert len(smtp.messages) == 3
    assert f"password link not sent to account {member.id}: 3 sent in 0:15:00 already" in our_log_lines(caplog)
    assert "password link request refused: 10 requests (address limit)" in our_log_lines(caplog)
    clock.advance(timedelta(minutes=16))
    assert (await ask_for_link(browser, "robin")).status == 200, "the limits pass with time"
    await sends_done(mail_app)
    assert len(smtp.messages) == 4


async def test_a_mail_the_server_does_not_take_is_logged_without_address_or_link_and_the_answer_is_the_same(
    database_url, aiohttp_client, db, clock, member, caplog
):
    caplog.set_level(logging.DEBUG)
    await Account.filter(id=member.id).update(email=ROBIN_MAIL)
    async with SmtpServer(refuse=True) as refusing:
        app = create_app(mail_settings(database_url, refusing.port), clock=clock)
        visitor = await aiohttp_client(app)
        unknown = await ask_for_link(visitor, "nobody")
        robin = await ask_for_link(visitor, "robin")
        assert (robin.status, await robin.read()) == (unknown.status, await unknown.read())
        await sends_done(app)
    logged = our_log_lines(caplog)
    assert f"password link e-mail for account {member.id} not sent: the SMTP server answered 554" in logged
    assert ROBIN_MAIL not in logged and "/reset/" not in logged and "example.org" not in logged
