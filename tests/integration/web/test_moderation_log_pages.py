"""The moderation log pages: every kind of entry reads as a sentence naming its target (no empty slot, no raw id),
on the facilitators' page and the admins' page; facilitators by the name their circle shows; a facilitator
removing her own reply from the facilitator controls is logged like any removal."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest

from circlefed.domain import circle_founding, circle_invites, circle_settings, modlog
from circlefed.domain.pseudonyms import generated_display_name, pseudonym_name
from circlefed.domain.replies import reply, tombstone_reply
from circlefed.domain.threads import tombstone_thread
from circlefed.storage.models import Actor, Membership, ModerationLogEntry, Visibility
from tests.factories import approved_member, remote_person, site_of
from tests.integration.web.admin_support import signed_in_admin
from tests.integration.web.conftest import sign_in
from tests.integration.web.member_world import circle, page, path_of, person, thread
from tests.integration.web.page_forms import submit

pytestmark = pytest.mark.storage

# Every kind of entry, with its target (`thread`, `reply`, `removed_thread`, `removed_reply`, `robin`, `sam`,
# `group`), who made it (`fran` or the circle's `group`, when a ban ends by itself) and the sentence it reads as.
F, R, S = "Fran F. (fran)", "{robin}", "sam · peer.example"
CASES = {
    modlog.APPROVE_JOIN: ("robin", "fran", f"{F} let {R} join the circle."),
    modlog.REJECT_JOIN: ("sam", "fran", f"{F} declined the request of {S} to join."),
    modlog.SET_RULES: ("group", "fran", f"{F} changed the ground rules."),
    circle_settings.SET_VISIBILITY: ("group", "fran", f"{F} changed who can see the circle."),
    circle_settings.SET_RETENTION: ("group", "fran", f"{F} changed how long posts are kept."),
    circle_settings.SET_JOIN_APPROVAL: ("group", "fran", f"{F} changed how joining works."),
    circle_settings.SET_MEMBER_MESSAGES: ("group", "fran", f"{F} changed whether members may write to each other."),
    circle_settings.SET_DESCRIPTION: ("group", "fran", f"{F} renamed or described the circle."),
    circle_founding.CREATE_CIRCLE: ("group", "fran", f"{F} started the circle."),
    circle_invites.INVITE_TO_CIRCLE: ("group", "fran", f"{F} made an invitation link."),
    modlog.PIN: ("thread", "fran", f"{F} pinned the thread “Evenings”."),
    modlog.UNPIN: ("thread", "fran", f"{F} unpinned the thread “Evenings”."),
    modlog.LOCK: ("thread", "fran", f"{F} locked the thread “Evenings”."),
    modlog.UNLOCK: ("thread", "fran", f"{F} unlocked the thread “Evenings”."),
    modlog.APPROVE_POST: ("thread", "fran", f"{F} approved the thread “Evenings”, which was held for review."),
    modlog.REJECT_POST: ("reply", "fran", f"{F} declined a reply in “Evenings”, which was held for review."),
    modlog.APPROVE_EDIT: ("thread", "fran", f"{F} approved a held edit of the thread “Evenings”."),
    modlog.REJECT_EDIT: ("reply", "fran", f"{F} declined a held edit of a reply in “Evenings”."),
    modlog.REMOVE_REPLY: ("removed_reply", "fran", f"{F} removed a reply in “Evenings”."),
    modlog.REMOVE_THREAD: ("removed_thread", "fran", f"{F} removed a thread."),
    modlog.RESOLVE_REPORT: ("reply", "fran", f"{F} resolved a report about a reply in “Evenings”."),
    modlog.ADD_FACILITATOR: ("robin", "fran", f"{F} made {R} a facilitator."),
    modlog.REMOVE_FACILITATOR: ("robin", "fran", f"{F} made {R} a member again, no longer a facilitator."),
    modlog.KEEP_MEMBER: ("robin", "fran", f"{F} kept {R} in the circle after it became confidential."),
    modlog.BAN: ("robin", "fran", f"{F} banned {R} from the circle."),
    modlog.UNBAN: ("robin", "fran", f"{F} lifted the ban on {R}."),
    modlog.BAN_ENDED: ("robin", "group", f"The ban on {R} ended."),
    modlog.REMOVE_MEMBER: ("sam", "fran", f"{F} removed {S} from the circle."),
}


def action_kinds(*modules) -> set[str]:
    return {value for module in modules for name, value in vars(module).items()
            if name.isupper() and isinstance(value, str) and name not in ("MAX_REASON",)}


@pytest.fixture
async def logged(settings, clock, member):
    """A members circle hosted here with one log entry of every kind (oldest first in CASES' order)."""
    site = site_of(settings)
    fran = await person(settings, "fran")
    quiet = await circle(settings, "quiet", visibility=Visibility.MEMBERS, facilitator=fran)
    await Membership.filter(circle_id=quiet.id, actor_id=fran.id).update(pseudonym="Fran F.")
    robin = await member.actor
    await approved_member(quiet, robin)
    sam = await remote_person("sam", "peer.example")
    evenings = await thread(settings, clock, quiet, robin, "Evenings")
    gone = await thread(settings, clock, quiet, robin, "Gone")
    await tombstone_thread(gone, clock.now())
    answer = (await reply(site, evenings, robin, source="a reply", now=clock.now())).post
    removed = (await reply(site, evenings, robin, source="another reply", now=clock.now())).post
    await tombstone_reply(removed, clock.now())
    group = await Actor.get(id=quiet.actor_id)
    targets = {"thread": evenings.uri, "reply": answer.uri, "removed_thread": gone.uri,
               "removed_reply": removed.uri, "robin": robin.uri, "sam": sam.uri, "group": group.uri}
    for number, (action, (target, by, _)) in enumerate(CASES.items()):
        moderator = fran if by == "fran" else group
        await modlog.record(quiet, moderator, action, target_uri=targets[target], reason=f"note {number}",
                            now=clock.now() + timedelta(seconds=number))
    robin_name = generated_display_name(await pseudonym_name(quiet, robin)) + " (robin)"
    return {"robin": robin, "robin_name": robin_name, "thread": evenings, "reply": answer}


def expected(logged) -> dict[str, str]:
    return {action: sentence.format(robin=logged["robin_name"]) for action, (_, _, sentence) in CASES.items()}


def read_sentences(text: str, row: str, cell: str) -> dict[str, tuple[str, str]]:
    """action -> (the sentence as read, its HTML) of every entry on a log page."""
    found = re.findall(rf'<{row} data-action="([a-z_]+)">.*?<{cell} class="log-sentence">(.*?)</{cell}>', text,
                       re.DOTALL)
    return {action: (" ".join(html.unescape(re.sub(r"<[^>]+>", "", inner)).split()), inner)
            for action, inner in found}


async def every_page(client, path: str) -> str:
    """The log page and the older pages its pager leads to, one after the other."""
    text = await page(client, path)
    while older := re.search(r'<a href="([^"]+)" rel="next">', text[-3000:]):
        text += await page(client, html.unescape(older.group(1)))
    return text


def test_every_kind_of_entry_has_a_sentence():
    assert set(CASES) == action_kinds(modlog, circle_settings, circle_founding, circle_invites)


async def test_the_facilitators_log_reads_every_entry_as_a_sentence_with_its_target(client, logged):
    await sign_in(client, "fran")
    shown = read_sentences(await every_page(client, "/c/quiet/facilitate/log"), "li", "span")
    assert {action: text for action, (text, _) in shown.items()} == expected(logged)
    _check_links(shown, logged)


async def test_the_admins_log_reads_every_entry_as_a_sentence_with_a_readable_linked_target(
    client, settings, logged
):
    await signed_in_admin(client, settings)
    shown = read_sentences(await every_page(client, "/admin/log"), "tr", "td")
    assert {action: text for action, (text, _) in shown.items()} == expected(logged)
    _check_links(shown, logged)


def _check_links(shown: dict[str, tuple[str, str]], logged) -> None:
    assert not any("://" in inner or "/u/" in inner for _, inner in shown.values()), "no raw ids"
    thread_path = path_of(logged["thread"].uri)
    assert f'<a href="{thread_path}">the thread “Evenings”</a>' in shown[modlog.LOCK][1]
    reply_link = f'<a href="{thread_path}#post-{logged["reply"].id}">a reply in “Evenings”</a>'
    assert reply_link in shown[modlog.RESOLVE_REPORT][1]
    person_link = f'<a href="/c/quiet/facilitate/members#member-{logged["robin"].id}">{logged["robin_name"]}</a>'
    assert person_link in shown[modlog.BAN][1]


async def test_a_facilitator_removing_her_own_reply_is_logged(client, settings, clock):
    fran = await person(settings, "fran")
    grief = await circle(settings, "grief", facilitator=fran)
    talk = await thread(settings, clock, grief, fran, "Talk")
    mine = (await reply(site_of(settings), talk, fran, source="wrong thread, sorry", now=clock.now())).post
    await sign_in(client, "fran")
    removed = await submit(client, path_of(talk.uri), "Remove this reply",
                           fill={"reason": "posted in the wrong thread"})
    assert removed.status == 303
    entry = await ModerationLogEntry.get(circle_id=grief.id)
    assert (entry.action, entry.moderator_id, entry.target_uri, entry.reason) == (
        modlog.REMOVE_REPLY, fran.id, mine.uri, "posted in the wrong thread"
    )
    shown = read_sentences(await page(client, "/c/grief/facilitate/log"), "li", "span")
    assert shown[modlog.REMOVE_REPLY][0] == "fran removed a reply in “Talk”."
