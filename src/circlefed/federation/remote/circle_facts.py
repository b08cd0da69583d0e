"""Federation: a remote circle's row follows its Group document: name, level, join approval, who may post."""

from __future__ import annotations

import logging

from circlefed.storage.models import Actor, Circle, Visibility

log = logging.getLogger(__name__)


async def reread_remote_circle(group: Actor, document: dict | None) -> Circle | None:
    """A remote circle's row follows its Group document (sent in every Update(Group)): its level above all, so
    that copies kept here of a circle that became confidential are hidden from everyone but its members at once.
    None when the Group is no circle known here."""
    circle = await Circle.get_or_none(actor_id=group.id, is_local=False)
    if circle is None:
        return None
    facts = circle_facts(group, document if isinstance(document, dict) else group.document)
    changed = [name for name, value in facts.items() if getattr(circle, name) != value]
    if changed:
        before = circle.visibility
        await circle.update_from_dict(facts).save(update_fields=[*changed, "updated_at"])
        if before is not circle.visibility:
            log.info("remote circle %s: visibility %s -> %s", circle.id, before.value, circle.visibility.value)
    return circle


def circle_facts(group: Actor, document: dict | None) -> dict:
    """What a circle's row says, from its Group document: name, level, join approval, who may post."""
    document = document or {}
    approval = document.get("manuallyApprovesFollowers") is True
    return {
        "name": (group.display_name or group.preferred_username)[:255],
        "visibility": _level(document, approval),
        "requires_approval": approval,
        "posting_restricted_to_mods": document.get("postingRestrictedToMods") is True,
    }


def _level(document: dict, approval: bool) -> Visibility:
    stated = document.get("circleVisibility")
    if isinstance(stated, str) and stated in Visibility.__members__.values():
        return Visibility(stated)
    # Lemmy's reading: a Group that approves followers and is not discoverable is a private community. Anything
    # unclear is taken as confidential: copies are then shown only to the circle's members here.
    if approval and document.get("discoverable") is not True:
        return Visibility.MEMBERS
    return Visibility.PUBLIC
