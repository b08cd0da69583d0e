"""Protocol: origin rules: an actor may only speak for objects on its own server (FEP-fe34)."""

from __future__ import annotations

from circlefed.errors import SignatureError
from circlefed.protocol.parse import ParsedActivity, reference_id, same_origin

# Activities that relay someone else's object by design; their embedded objects are refetched from origin.
RELAY_TYPES = frozenset({"Announce"})
# Activities whose object is the actor's own content (so the object must share the actor's origin).
AUTHORING_TYPES = frozenset({"Create", "Update", "Delete"})


def check_activity_origin(activity: ParsedActivity, signer_uri: str) -> None:
    """Refuse activities whose actor is not the signer, or whose ids are on another server (attack 1)."""
    if activity.actor != signer_uri:
        # SPEC: FEP-fe34; PROTOCOL.md attack 4: key owner must be the activity's actor
        raise SignatureError(f"the signing key belongs to {signer_uri}, not to the activity's actor")
    if not same_origin(activity.id, activity.actor):
        raise SignatureError("the activity id is not on the actor's server")
    if activity.type in AUTHORING_TYPES:
        _check_embedded_object_origin(activity)


def _check_embedded_object_origin(activity: ParsedActivity) -> None:
    obj = activity.raw.get("object")
    object_id = reference_id(obj)
    if object_id is None:
        return
    if activity.type == "Delete" and (isinstance(obj, str) or obj.get("type") == "Tombstone"):
        # A Delete by reference (or of a Tombstone, which carries no content) may be a moderator's removal of
        # someone else's post; handlers check authority.
        return
    if not same_origin(object_id, activity.actor):
        # SPEC: PROTOCOL.md attack 1: a Create/Update may not carry an object from another origin
        raise SignatureError("the object is not on the actor's server")
    if object_id == activity.actor:
        return  # an actor's Update of its own document (a Group's attributedTo names its moderators collection)
    attributed = reference_id(obj.get("attributedTo")) if isinstance(obj, dict) else None
    if attributed is not None and attributed != activity.actor and activity.type != "Delete":
        raise SignatureError("the object is attributed to someone other than the actor")
