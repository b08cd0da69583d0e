"""Domain: the admin's safety knobs: crisis resources text, first-post holds, report forwarding, content rules."""

from __future__ import annotations

from circlefed.domain.instance_policy import update_instance_policy
from circlefed.domain.safety import compiled
from circlefed.errors import BadRequest, NotFound
from circlefed.storage.models import Circle, ContentRule, ContentRuleAction, InstancePolicy

MAX_RESOURCES = 5000
MAX_PATTERN = 500
SWITCHES = {"hold_first_posts", "forward_reports_to_author_instance"}


async def set_crisis_resources(text: str) -> InstancePolicy:
    """What a poster whose words sound like a crisis is shown (hotlines, local services); "" shows nothing."""
    text = text.strip()
    if len(text) > MAX_RESOURCES:
        raise BadRequest(f"the crisis resources text is at most {MAX_RESOURCES} characters")
    return await update_instance_policy(crisis_resources=text)


async def set_switch(name: str, on: bool) -> InstancePolicy:
    """hold_first_posts or forward_reports_to_author_instance."""
    if name not in SWITCHES:
        raise BadRequest(f"unknown policy switch {name!r}")
    return await update_instance_policy(**{name: on})


async def add_content_rule(
    pattern: str, action: str, *, is_regex: bool = False, circle: Circle | None = None
) -> ContentRule:
    """A blocked term (whole words, any case) or regular expression, for the instance or one circle."""
    pattern = pattern.strip()
    if not pattern or len(pattern) > MAX_PATTERN:
        raise BadRequest(f"a content rule's pattern has 1-{MAX_PATTERN} characters")
    try:
        rule_action = ContentRuleAction(action)
    except ValueError:
        raise BadRequest(f"invalid action {action!r}: choose reject or hold") from None
    compiled(pattern, is_regex)  # refuses an invalid regular expression now, not at the next post
    return await ContentRule.create(pattern=pattern, is_regex=is_regex, action=rule_action, circle=circle)


async def list_content_rules() -> list[ContentRule]:
    return await ContentRule.all().order_by("id").prefetch_related("circle")


async def remove_content_rule(rule_id: int) -> ContentRule:
    rule = await ContentRule.get_or_none(id=rule_id)
    if rule is None:
        raise NotFound(f"no content rule #{rule_id}")
    await rule.delete()
    return rule
