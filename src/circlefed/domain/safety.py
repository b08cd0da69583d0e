"""Domain: the safety net for new posts: content rules, the crisis-language check, first-post holds, rate limits."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from tortoise.expressions import Q

from circlefed.domain.crisis import sounds_like_crisis
from circlefed.domain.instance_policy import read_instance_policy
from circlefed.errors import BadRequest, Forbidden, TooManyRequests
from circlefed.policy.rate_limit import MonotonicClock, Rate, RateLimiter, Throttled
from circlefed.settings import ModerationSettings
from circlefed.storage.models import (
    Actor,
    Circle,
    ContentRule,
    ContentRuleAction,
    InstancePolicy,
    Post,
    ReviewState,
    Thread,
)

CRISIS_HOLD = "crisis language: a facilitator will look at this post and reach out"
# Shown to a poster in crisis until the admin sets the instance's own text (local hotlines and services).
FALLBACK_RESOURCES = (
    "Call your local emergency number now, or go to the nearest emergency department."
)


@dataclass(frozen=True)
class Safety:
    """This instance's safety settings: the crisis check (built-in phrases and the admin's terms) and the
    in-process rate limiters (None: no limit)."""

    crisis_terms: tuple[str, ...] = ()
    crisis_phrases: bool = True
    posting: RateLimiter | None = field(default=None, compare=False)
    inbound: RateLimiter | None = field(default=None, compare=False)
    inbound_bytes: RateLimiter | None = field(default=None, compare=False)  # bytes per remote domain
    reports: RateLimiter | None = field(default=None, compare=False)  # Flags per remote actor


@dataclass(frozen=True)
class Screening:
    """What the safety net decided for a new post; `crisis_resources` is shown to the poster (local only)."""

    state: ReviewState = ReviewState.VISIBLE
    reason: str | None = None
    crisis_resources: str | None = None

    @property
    def is_held(self) -> bool:
        return self.state is ReviewState.HELD


PASSED = Screening()


def check_posting_rate(safety: Safety, author: Actor) -> None:
    """A local account posting faster than the instance allows gets a 429 (counted in this process)."""
    if author.is_local and safety.posting is not None:
        verdict = safety.posting.take(f"account:{author.id}")
        if isinstance(verdict, Throttled):
            raise TooManyRequests(verdict.reason, retry_after=verdict.retry_after)


async def screen_post(safety: Safety, circle: Circle, author: Actor, text: str, *, warning: str = "") -> Screening:
    """SPEC: issue 7 safety net: a circle hosted here rejects or holds a new post matching a content rule (the
    instance's or the circle's), holds one with crisis language for a facilitator, and holds first posts when
    the admin asks for it. The crisis resources text goes to a local poster wherever the circle lives, and
    nothing here keeps anyone from posting again (a held post waits; its author is not blocked).

    `text` is the title and text; content rules read the content `warning` too, the crisis check does not (a
    warning that names a hard subject is care, not crisis)."""
    policy = await read_instance_policy()
    crisis = sounds_like_crisis(text, safety.crisis_terms, phrases=safety.crisis_phrases)
    resources = crisis_resources_text(policy) if crisis and author.is_local else None
    if not circle.is_local:
        return Screening(crisis_resources=resources)  # the circle's own instance screens it
    reasons = await _rule_holds(circle, f"{text}\n{warning}")
    if crisis:
        reasons.append(CRISIS_HOLD)
    if policy.hold_first_posts and not await _has_visible_posts(author):
        reasons.append("first post of a new account")
    if not reasons:
        return Screening(crisis_resources=resources)
    return Screening(ReviewState.HELD, "; ".join(reasons), resources)


def crisis_resources_text(policy: InstancePolicy) -> str:
    """What a poster whose words sound like a crisis is shown: the admin's text, else the neutral fallback."""
    return policy.crisis_resources.strip() or FALLBACK_RESOURCES


async def _rule_holds(circle: Circle, text: str) -> list[str]:
    rules = await ContentRule.filter(Q(circle_id__isnull=True) | Q(circle_id=circle.id)).order_by("id")
    held: list[str] = []
    for rule in rules:
        if not compiled(rule.pattern, rule.is_regex).search(text):
            continue
        where = "this circle's" if rule.circle_id else "this instance's"
        if rule.action is ContentRuleAction.REJECT:
            # The rule's number, never the matched words: refusals are logged.
            raise Forbidden(f"the post matches {where} content rule #{rule.id} and was not posted")
        held.append(f"matches {where} content rule #{rule.id}")
    return held


@lru_cache(maxsize=512)
def compiled(pattern: str, is_regex: bool) -> re.Pattern[str]:
    """A rule's pattern: a term matches as whole words, case-insensitively; a regex as written (ignoring case)."""
    try:
        return re.compile(pattern if is_regex else _words(pattern), re.IGNORECASE)
    except re.error as exc:
        raise BadRequest(f"not a valid regular expression: {exc}") from None


def _words(term: str) -> str:
    return r"(?<!\w)" + r"\s+".join(re.escape(word) for word in term.split()) + r"(?!\w)"


async def _has_visible_posts(author: Actor) -> bool:
    visible = {"author_id": author.id, "review_state": ReviewState.VISIBLE}
    return await Thread.exists(**visible) or await Post.exists(**visible)


def safety_from_settings(settings: ModerationSettings, clock: MonotonicClock) -> Safety:
    """The Safety of one process: its crisis terms and fresh (empty) rate limiters."""
    posting = Rate(settings.account_posts_per_minute, settings.account_post_burst)
    inbound = Rate(settings.domain_deliveries_per_minute, settings.domain_delivery_burst)
    inbound_bytes = Rate(settings.domain_bytes_per_minute, settings.domain_bytes_burst)
    reports = Rate(settings.remote_reports_per_minute, settings.remote_report_burst)
    return Safety(
        crisis_terms=tuple(settings.crisis_terms),
        crisis_phrases=settings.crisis_phrases,
        posting=RateLimiter(posting, clock, what="posts from this account"),
        inbound=RateLimiter(inbound, clock, what="deliveries from this domain"),
        inbound_bytes=RateLimiter(inbound_bytes, clock, what="bytes from this domain"),
        reports=RateLimiter(reports, clock, what="reports from this actor"),
    )
