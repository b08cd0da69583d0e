"""The safety net: content rules (reject or hold), the crisis-language hold, first-post holds, review, rate limits."""

import pytest

from circlefed.clock import FakeClock
from circlefed.domain import review, safety_admin
from circlefed.domain.replies import reply
from circlefed.domain.safety import CRISIS_HOLD, FALLBACK_RESOURCES, Safety, safety_from_settings
from circlefed.domain.site import Site
from circlefed.domain.threads import start_thread, store_remote_thread
from circlefed.errors import BadRequest, Forbidden, NotFound, TooManyRequests
from circlefed.policy.rate_limit import Rate, RateLimiter
from circlefed.settings import Settings
from circlefed.storage.models import ModerationLogEntry, ReviewState, Thread
from tests.factories import SITE, local_person

from .circle_support import fast_accounts, grief_circle, remote_circle_with

pytestmark = pytest.mark.storage
__all__ = ["fast_accounts"]

CRISIS = Safety(crisis_terms=("kill myself", "want to die"))
SAFE_SITE = Site(SITE.uris, SITE.domain, SITE.name, CRISIS)


@pytest.fixture
async def grief(db):
    return await grief_circle()


async def post(circle, author, clock, source="Evenings are hard.", site=SAFE_SITE, **fields):
    return await start_thread(site, circle, author, title="Evenings", source=source, now=clock.now(), **fields)


async def test_a_reject_rule_refuses_the_post_without_repeating_its_words(grief, clock):
    # SPEC: issue 7 safety net (content rules per instance: reject)
    circle, _, robin, _ = grief
    rule = await safety_admin.add_content_rule("buy pills", "reject")
    with pytest.raises(Forbidden, match=f"content rule #{rule.id}") as refused:
        await post(circle, robin, clock, source="You can BUY   pills here")
    assert "pills" not in str(refused.value)
    assert (await post(circle, robin, clock, source="buying pillsbury")).screening.state is ReviewState.VISIBLE


async def test_a_hold_rule_of_the_circle_keeps_the_post_invisible_until_approved(grief, clock):
    # SPEC: issue 7 safety net (content rules per circle: hold for review)
    circle, host, robin, _ = grief
    await safety_admin.add_content_rule(r"\bdiet\s*pills?\b", "hold", is_regex=True, circle=circle)
    event = await post(circle, robin, clock, source="Anyone tried diet pills?")
    assert event.screening.is_held and "this circle's content rule" in event.thread.review_reason
    with pytest.raises(NotFound, match="review"):
        await reply(SAFE_SITE, event.thread, host, source="hm", now=clock.now())
    assert [row.uri for row in await review.held_posts(circle, host)] == [event.thread.uri]
    with pytest.raises(Forbidden):
        await review.held_posts(circle, robin)
    approved = await review.approve_post(event.thread, host, now=clock.now())
    assert approved.post is None and (await Thread.get(id=event.thread.id)).review_state is ReviewState.VISIBLE
    assert await ModerationLogEntry.filter(action="approve_post").count() == 1


async def test_crisis_language_holds_the_post_and_shows_the_crisis_resources(grief, clock):
    # SPEC: issue 7 safety net (crisis check: hold for a facilitator, resources to the poster, never blocked)
    circle, host, robin, _ = grief
    await safety_admin.set_crisis_resources("Call 988 (US) or your local crisis line, any time.")
    event = await post(circle, robin, clock, source="Some nights I want to die.")
    assert event.screening.is_held and event.screening.reason == CRISIS_HOLD
    assert event.screening.crisis_resources == "Call 988 (US) or your local crisis line, any time."
    again = await post(circle, robin, clock, source="Thank you for listening.")  # still free to post
    assert again.screening.state is ReviewState.VISIBLE and again.screening.crisis_resources is None
    warned = await post(circle, robin, clock, source="Talking about loss.", content_warning="want to die")
    assert not warned.screening.is_held  # a content warning naming a hard subject is care, not crisis
    await review.reject_post(event.thread, host, reason="reached out privately", now=clock.now())
    assert (await Thread.get(id=event.thread.id)).review_state is ReviewState.REJECTED


async def test_the_default_net_holds_common_phrasings_and_shows_a_neutral_line_until_resources_are_set(grief, clock):
    # SPEC: issue 15 crisis detection (the default phrases; the poster is never shown nothing)
    circle, _, robin, _ = grief
    default = Site(SITE.uris, SITE.domain, SITE.name, Safety())
    held = await post(circle, robin, clock, source="Thinking about suicide a lot", site=default)
    assert held.screening.is_held and held.screening.reason == CRISIS_HOLD
    assert held.screening.crisis_resources == FALLBACK_RESOURCES and "emergency number" in FALLBACK_RESOURCES
    await safety_admin.set_crisis_resources("Samaritans: 116 123")
    again = await post(circle, robin, clock, source="nobody would miss me if I was gone", site=default)
    assert again.screening.is_held and again.screening.crisis_resources == "Samaritans: 116 123"
    grief_post = await post(circle, robin, clock, source="My friend died by suicide last year.", site=default)
    assert grief_post.screening.state is ReviewState.VISIBLE and grief_post.screening.crisis_resources is None


async def test_the_admins_terms_and_the_phrases_switch_come_from_the_settings(grief, clock):
    circle, _, robin, _ = grief
    own = Settings().replace(moderation={"crisis_terms": ["quiero morir"], "crisis_phrases": False}).moderation
    site = Site(SITE.uris, SITE.domain, SITE.name, safety_from_settings(own, FakeClock()))
    assert (await post(circle, robin, clock, source="A veces quiero morir.", site=site)).screening.is_held
    assert not (await post(circle, robin, clock, source="I want to die", site=site)).screening.is_held
    default = safety_from_settings(Settings().moderation, FakeClock())
    assert default.crisis_phrases and default.crisis_terms == ()


async def test_a_remote_post_in_crisis_language_is_held_like_a_local_one(grief, clock):
    # SPEC: issue 15 (remote posts in crisis language are held the same way; no resources: not our poster)
    circle, _, _, kim = grief
    remote = {"content_html": "<p>I'm going to overdose tonight.</p>", "now": clock.now(), "safety": Safety()}
    stored = await store_remote_thread(circle, kim, uri="https://social.example/t/9", title="Tonight", **remote)
    assert stored.thread.review_state is ReviewState.HELD and stored.thread.review_reason == CRISIS_HOLD
    assert stored.screening.crisis_resources is None


async def test_crisis_language_in_a_remote_circle_shows_the_resources_and_leaves_the_hold_to_its_host(db, clock):
    robin = await local_person(SITE, "robin")
    circle = await remote_circle_with(robin)
    await safety_admin.set_crisis_resources("Local line: 0800 111")
    event = await post(circle, robin, clock, source="I want to die")
    assert event.screening.state is ReviewState.VISIBLE and event.screening.crisis_resources == "Local line: 0800 111"


async def test_first_posts_of_new_and_remote_accounts_are_held_when_the_admin_asks(grief, clock):
    # SPEC: issue 7 safety net (first posts of new or remote accounts held; InstancePolicy.hold_first_posts)
    circle, host, _, kim = grief
    await safety_admin.set_switch("hold_first_posts", True)
    assert (await post(circle, host, clock)).screening.is_held
    remote = {"title": "Hi", "content_html": "<p>x</p>", "now": clock.now()}
    held = await store_remote_thread(circle, kim, uri="https://social.example/t/1", **remote)
    assert held.thread.review_state is ReviewState.HELD and held.screening.crisis_resources is None
    await review.approve_post(held.thread, host, now=clock.now())
    later = await store_remote_thread(circle, kim, uri="https://social.example/t/2", **remote)
    assert later.thread.review_state is ReviewState.VISIBLE


async def test_an_invalid_regular_expression_is_refused_when_the_rule_is_made(db):
    with pytest.raises(BadRequest, match="regular expression"):
        await safety_admin.add_content_rule("(unclosed", "hold", is_regex=True)
    with pytest.raises(BadRequest, match="reject or hold"):
        await safety_admin.add_content_rule("x", "delete")


async def test_posting_faster_than_the_account_limit_is_a_429_with_retry_after(grief, clock):
    # SPEC: issue 7 rate limits (per account, in-process token bucket with a clock)
    circle, _, robin, _ = grief
    fake = FakeClock()
    limited = Site(SITE.uris, SITE.domain, SITE.name, Safety(posting=RateLimiter(Rate(2, 2), fake, what="posts")))
    await post(circle, robin, clock, site=limited)
    await post(circle, robin, clock, site=limited)
    with pytest.raises(TooManyRequests) as refused:
        await post(circle, robin, clock, site=limited)
    assert refused.value.status == 429 and refused.value.retry_after == 30
    fake.advance(30)
    await post(circle, robin, clock, site=limited)
