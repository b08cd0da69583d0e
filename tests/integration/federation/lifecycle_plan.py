"""What the crawl of the stateful leak test (issue 14) asks after a step: every URL the instances serve, and of
those, the ones the step may have changed, as every viewer whose view it may have changed.

A step names what it changed (`Change`): circles whose content changed, circles whose access changed (their
visibility, or trust in a viewer's instance), and viewers whose standing changed. Unchanged state answers as it
did after the previous step, which was checked then. Viewers who stand alike in a circle (the same instance,
trust, request, membership, ban, authorship) form a class; each class is asked once, by a member that rotates
from step to step, so that every viewer is asked over a sequence."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote

from .lifecycle_oracle import Oracle, Standing
from .lifecycle_snapshot import Stored
from .lifecycle_world import ANONYMOUS, HOMES, RECORDER, instance_actor

FACILITATOR_PAGES = ("", "/requests", "/held", "/reports", "/members", "/rules", "/settings", "/log")
INSTANCE_PAGES = ("/", "/circles")
ACCOUNT_PAGES = ("/account", "/facilitate")


@dataclass
class Change:
    content: set[str] = field(default_factory=set)  # circles with new or changed rows
    members: set[str] = field(default_factory=set)  # circles whose requests, members, bans or names changed
    people: set[str] = field(default_factory=set)  # circles whose followers and moderators may show differently
    access: set[str] = field(default_factory=set)  # circles whose every viewer may read differently now
    viewers: set[str] = field(default_factory=set)  # viewers whose standing changed somewhere
    rows: set[str] = field(default_factory=set)  # URIs of the rows the step touched

    def __bool__(self) -> bool:
        return bool(self.content or self.members or self.people or self.access or self.viewers)


@dataclass(frozen=True)
class Url:
    home: str  # the instance serving it
    target: str  # a path (HTML) or a full URL (AS2)
    circle: str | None
    role: str  # what it shows (ROLES), "row <uri>" for a row's own URLs, or "facilitator <page>"
    html: bool


# What changes each kind of URL: "content" (rows), "members" (requests, members, bans), "people" (how members
# are named to other instances), "access" (who reads the circle).
ROLES = {
    "page": {"content", "members", "access"},  # the circle's page: its threads, the viewer's place in it
    "outbox": {"content", "access"},
    "featured": {"content", "access"},
    "people": {"members", "people", "access"},  # followers, moderators
    "group": {"access"},  # the Group document, its WebFinger
    "activity": {"access"},  # old activities keep their text: asked again only when access changes
    "instance": {"access"},
    "account": set(),  # the viewer's own pages: when the viewer changed
}


def html_viewers(home: str) -> list[str]:
    return [ANONYMOUS, *HOMES[home]]


def as2_viewers(home: str) -> list[str]:
    others = [h for h in HOMES if h != home]
    return [ANONYMOUS, RECORDER, *(p for h in others for p in HOMES[h]), *(instance_actor(h) for h in others)]


def inventory(stored: dict[str, Stored], bases: dict[str, str], domains: dict[str, str]) -> list[Url]:
    """Every URL of the example's circles on every instance, and the instance-wide pages."""
    urls: list[Url] = []
    for home, s in stored.items():
        base = bases[home]
        urls += [Url(home, path, None, "instance", True) for path in INSTANCE_PAGES]
        urls += [Url(home, path, None, "account", True) for path in ACCOUNT_PAGES]
        urls.append(Url(home, f"{base}/nodeinfo/2.1", None, "instance", False))
        for key, slug in s.local.items():
            urls.append(Url(home, f"/c/{slug}", key, "page", True))
            urls += [Url(home, f"/c/{slug}/facilitate{sub}", key, f"facilitator {sub}", True)
                     for sub in FACILITATOR_PAGES]
            group = f"{base}/c/{slug}"
            webfinger = f"{base}/.well-known/webfinger?resource=acct:{slug}@{domains[home]}"
            urls += [Url(home, u, key, role, False) for u, role in (
                (group, "group"), (webfinger, "group"), (f"{group}/outbox", "outbox"),
                (f"{group}/featured", "featured"), (f"{group}/followers", "people"), (f"{group}/moderators", "people"),
            )]
            urls += [Url(home, _page(base, tid, uri), key, f"row {uri}", True)
                     for tid, uri in s.threads.get(key, [])]
        for key, copy_id in s.copies.items():
            urls.append(Url(home, f"/circles/remote/{copy_id}", key, "page", True))
            urls += [Url(home, f"/threads/{tid}", key, f"row {uri}", True) for tid, uri in s.threads.get(key, [])]
        for key in {*s.local, *s.copies}:
            for _, uri in s.threads.get(key, []):
                if uri.startswith(base + "/"):
                    urls += [Url(home, u, key, f"row {uri}", False)
                             for u in (uri, f"{uri}/context", f"{uri}/replies")]
            urls += [Url(home, uri, key, f"row {uri}", False) for uri in s.posts.get(key, []) if uri.startswith(base)]
            urls += [Url(home, uri, key, "activity", False) for _, uri in s.activities.get(key, [])]
    return urls


def _page(base: str, thread_id: int, uri: str) -> str:
    """A thread's page: /t/<token> where it was written, /threads/<id> for one written elsewhere."""
    return uri.removeprefix(base) if uri.startswith(base + "/t/") else f"/threads/{thread_id}"


def class_key(oracle: Oracle, viewer: str, circle: str | None) -> tuple:
    """What a viewer's view of one circle depends on, by the semantics."""
    if circle is None or viewer in (ANONYMOUS, RECORDER):
        return (viewer,)  # instance-wide pages are each viewer's own
    c = oracle.circles[circle]
    if viewer.startswith("actor@"):
        home = viewer.removeprefix("actor@")
        return ("actor", home, oracle.trusted(c.host, home), oracle.hosts_member(circle, home))
    s = c.people.get(viewer, Standing())
    wrote = any(r.author == viewer and r.circle == circle for r in oracle.rows.values())
    return ("person", oracle.homes[viewer], s.state, s.remote_state, oracle.banned(circle, viewer), s.ever_member,
            s.facilitator, wrote, oracle.trusted(c.host, oracle.homes[viewer]))


def representatives(oracle: Oracle, viewers: list[str], circle: str | None, step: int) -> list[str]:
    classes: dict[tuple, list[str]] = {}
    for viewer in viewers:
        classes.setdefault(class_key(oracle, viewer, circle), []).append(viewer)
    return [members[step % len(members)] for members in classes.values()]


def _kinds(change: Change, circle: str | None) -> set[str]:
    """What changed about this circle (instance-wide pages change with any circle's access)."""
    kinds = {kind for kind in ("content", "members", "people", "access") if circle in getattr(change, kind)}
    return kinds | ({"access"} if circle is None and change.access else set())


def _wanted(url: Url, change: Change, new: set[tuple[str, str]]) -> bool:
    """Whether the step may have changed this URL's answers for every viewer."""
    if (url.home, url.target) in new:
        return url.role != "account"
    kinds = _kinds(change, url.circle)
    if url.role.startswith("row "):
        # A thread's context and replies collections hold the texts of its own URLs: asked on access changes.
        own = not url.target.endswith(("/context", "/replies"))
        return "access" in kinds or ("content" in kinds and own and url.role[4:] in change.rows)
    if url.role.startswith("facilitator "):
        return "access" in kinds or ("members" in kinds and url.role[12:] in ("/members", "/requests"))
    return bool(ROLES[url.role] & kinds)


def _for_changed_viewer(url: Url, circles: set[str]) -> bool:
    """A viewer whose standing changed asks again every URL of the circles it changed in, the instance-wide and
    its own pages, and each other circle's page and outbox (which show all its recent content)."""
    if url.circle is None or url.circle in circles:
        return url.role != "activity"
    return url.role in ("page", "outbox")


def plan(
    oracle: Oracle, urls: list[Url], change: Change, before: set[tuple[str, str]], step: int
) -> list[tuple[str, Url]]:
    """(viewer, URL) pairs to ask: changed URLs as a representative of each class, and what a viewer whose
    standing changed sees."""
    new = {(u.home, u.target) for u in urls} - before
    changed = _changed_viewers(oracle, change)
    touched = change.content | change.members | change.access
    asked: list[tuple[str, Url]] = []
    for url in urls:
        viewers = html_viewers(url.home) if url.html else as2_viewers(url.home)
        if url.role.startswith("facilitator"):
            viewers = [v for v in viewers if v == oracle.circles[url.circle].facilitator]
        elif url.role == "account":
            viewers = [v for v in viewers if v != ANONYMOUS]
        picked = set(representatives(oracle, viewers, url.circle, step)) if _wanted(url, change, new) else set()
        if _for_changed_viewer(url, touched) or (url.home, url.target) in new:
            picked |= {v for v in viewers if v in changed}
        asked += [(viewer, url) for viewer in sorted(picked)]
    return asked


def _changed_viewers(oracle: Oracle, change: Change) -> set[str]:
    """Viewers named by the step, and their instances' actors (which speak for every member there)."""
    changed = set(change.viewers)
    changed |= {instance_actor(oracle.homes[v]) for v in change.viewers if oracle.homes.get(v) in HOMES}
    return changed


def is_follower_urls(stored: dict[str, Stored], bases: dict[str, str], uri_of) -> list[tuple[str, Url]]:
    """`followers?is_follower=<the asker>`: each signed remote viewer asks about itself."""
    asked = []
    for home, s in stored.items():
        for key, slug in s.local.items():
            for viewer in as2_viewers(home):
                if viewer != ANONYMOUS:
                    target = f"{bases[home]}/c/{slug}/followers?is_follower={quote(uri_of(viewer), safe='')}"
                    asked.append((viewer, Url(home, target, key, "people", False)))
    return asked
