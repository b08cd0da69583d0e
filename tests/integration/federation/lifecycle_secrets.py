"""Oracle of the stateful leak test (issue 14), second half: what one viewer must never be shown, from the model
in lifecycle_oracle.py: markers of rows they may not read, names of members (handles, actor URLs, pseudonyms,
chosen names) they may not link to a confidential circle, and ban reasons not shared with them.

A viewer is a person, "anonymous", "actor@X" (instance X's Application actor) or the recorder; `vantage` is the
instance serving the answer; `kind` is "html", "as2", "facilitator:<circle>" (a facilitator page) or "inbox"
(what was federated to the instance: its own records, judged like its Application actor)."""

from __future__ import annotations

from dataclasses import dataclass, field

from .lifecycle_oracle import PUBLIC, Oracle, Row


@dataclass
class Names:
    """Tokens naming people, read from the instances after each step (pseudonymous actors are the product's)."""

    labels: dict[tuple[str, str], set[str]] = field(default_factory=dict)  # (person, circle) -> m_..., Member ...


def _home(viewer: str, oracle: Oracle) -> str | None:
    if viewer.startswith("actor@"):
        return viewer.removeprefix("actor@")
    return oracle.homes.get(viewer)


def row_allowed(oracle: Oracle, row: Row, viewer: str, vantage: str, kind: str) -> bool:
    if viewer == row.author:
        return True
    host = oracle.circles[row.circle].host
    if vantage == host:
        return oracle.may_read_on_host(row, viewer)
    if kind == "html" or kind.startswith("facilitator"):
        return oracle.may_read_copy(row, vantage, viewer)
    # AS2 on an instance that is not the host: it serves only what its own members wrote in the circle, to the
    # host instance and to those the host lets read it.
    if viewer == f"actor@{host}" or oracle.may_read_on_host(row, viewer):
        return True
    recorded = oracle.circles[row.circle].recorded.get(vantage)
    return (recorded is None or recorded == PUBLIC) and row.audience == PUBLIC


def forbidden_markers(oracle: Oracle, viewer: str, vantage: str, kind: str) -> set[str]:
    if kind == "inbox":
        reached = {m for m, where in oracle.reach.items() if vantage in where}
        return {m for row in oracle.rows.values() for m in row.markers if m not in reached}
    secret: set[str] = set()
    for row in oracle.rows.values():
        if not row_allowed(oracle, row, viewer, vantage, kind):
            secret.update(row.markers)
    return secret


def _knows_circle(oracle: Oracle, viewer: str, circle: str) -> bool:
    """A member once (banned or gone, they still know who was there), or an instance that hosted one."""
    people = oracle.circles[circle].people
    if viewer.startswith("actor@"):
        home = viewer.removeprefix("actor@")
        return any(oracle.homes[p] == home and s.ever_member for p, s in people.items())
    return viewer in people and people[viewer].ever_member


def _facilitator_page(kind: str, oracle: Oracle, viewer: str) -> str | None:
    if not kind.startswith("facilitator:"):
        return None
    circle = kind.split(":", 1)[1]
    return circle if oracle.circles[circle].facilitator == viewer else None


def name_allowed(oracle: Oracle, person: str, viewer: str, kind: str) -> bool:
    """May the viewer be shown the person's handle or actor URL? (semantics, Names)."""
    if person == viewer or person in oracle.exposed or viewer == f"actor@{oracle.homes[person]}":
        return True
    related = oracle.related(person)
    if not related:
        return True  # in no circle: an account name, nothing more
    for circle in related:
        if _facilitator_page(kind, oracle, viewer) == circle or viewer == f"actor@{oracle.circles[circle].host}":
            return True  # the circle's host knows who asked to join it, who belongs and who was banned
        shown_as_self = oracle.is_remote(circle, person) or (person, circle) in oracle.partners_know
        if shown_as_self and _knows_circle(oracle, viewer, circle):
            return True
    return False


def label_allowed(oracle: Oracle, person: str, circle: str, viewer: str) -> bool:
    """Pseudonyms and chosen names of a confidential circle: for its members (and their instances) only."""
    if person == viewer or oracle.circles[circle].level == PUBLIC or (person, circle) in oracle.labels_public:
        return True
    return _knows_circle(oracle, viewer, circle) or oracle.circles[circle].facilitator == viewer


def reason_allowed(oracle: Oracle, circle: str, person: str, ban, viewer: str) -> bool:
    """A ban's reason: its circle's facilitators; when shared, the banned member, their instance and, for a circle
    that was public, everyone (semantics: nothing federated carries it unless shared)."""
    if oracle.circles[circle].facilitator == viewer:
        return True
    if not ban.shared:
        return False
    home = oracle.homes[person]
    return ban.circle_public or viewer in (person, f"actor@{home}") or _knows_circle(oracle, viewer, circle) or (
        _home(viewer, oracle) == home
    )


def secrets_for(oracle: Oracle, names: Names, viewer: str, vantage: str, kind: str) -> dict[str, str]:
    """Every string the viewer must not find in an answer of `vantage`, with why (for the failure message)."""
    found = dict.fromkeys(forbidden_markers(oracle, viewer, vantage, kind), "marker of a row they may not read")
    for person in oracle.homes:
        if not name_allowed(oracle, person, viewer, kind):
            found[person] = "handle of a member of a confidential circle"
    for (person, circle), labels in names.labels.items():
        if not label_allowed(oracle, person, circle, viewer):
            for label in labels:
                found[label] = f"pseudonym or chosen name of {person} in circle {circle}"
    for circle, person, ban in oracle.bans:
        if not reason_allowed(oracle, circle, person, ban, viewer):
            found[ban.reason] = f"reason of {person}'s ban in circle {circle}, not shared with them"
    return found
