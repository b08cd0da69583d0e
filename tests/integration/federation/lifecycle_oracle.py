"""Oracle of the stateful leak test (issue 14): a plain model of three instances' circles, written from issue 14's
confidentiality semantics alone (never from circlefed's read rules): levels, each row's audience, memberships and
bans as the host and each member's own instance record them once workers have settled, trust and real names.

It answers who may read a row (`may_read_on_host`, `may_read_copy`), which instances a row's text may reach
(`reach`), and which names must stay secret (lifecycle_secrets.py). Where the semantics leave a case open the
model takes the permissive reading, so that a flagged leak is always a real one."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

PUBLIC, MEMBERS, LOCAL = 0, 1, 2
LEVELS = {"public": PUBLIC, "members": MEMBERS, "local": LOCAL}
CIRCLEFED = ("A", "B", "C")  # the recorder ("R") runs software of unknown privacy


@dataclass
class Ban:
    reason: str  # its marker
    shared: bool
    until: datetime | None
    circle_public: bool  # the circle was public when the ban was made


@dataclass
class Standing:
    """An actor in one circle, as the circle's host records it (`state`) and as its own instance does."""

    state: str = "none"  # none | pending | approved | rejected
    facilitator: bool = False
    ban: Ban | None = None
    remote_state: str = "none"  # the member's own instance's record (remote members only)
    ever_member: bool = False
    ever_related: bool = False  # a request (even one refused), a membership or a ban, once


@dataclass
class Circle:
    key: str
    host: str
    facilitator: str
    level: int
    slug: str = ""
    requires_approval: bool = False
    # What each other instance records of the level (None: it may not know: the permissive reading).
    recorded: dict[str, int | None] = field(default_factory=dict)
    people: dict[str, Standing] = field(default_factory=dict)


@dataclass
class Row:
    key: str  # "t3" (a thread) or "p5" (a reply)
    circle: str
    author: str
    origin: str  # the instance it was written on
    audience: int  # on the host: the circle's level when it was written (permissive for relayed copies)
    thread: str | None
    markers: list[str] = field(default_factory=list)  # every text it ever carried
    current: list[str] = field(default_factory=list)  # its text now
    deleted: bool = False
    path: str | None = None  # its thread's page on the host


class Oracle:
    def __init__(self, homes: dict[str, str], now: datetime) -> None:
        self.homes = homes  # person -> "A" | "B" | "C" | "R"
        self.now = now
        self.circles: dict[str, Circle] = {}
        self.rows: dict[str, Row] = {}
        self.trust = {"A": {"B": True, "C": False}, "B": {"A": True, "C": False}, "C": {}}
        self.real_names = {"A": False, "B": False, "C": False}
        self.reach: dict[str, set[str]] = {}  # marker -> instances it may have reached
        self.exposed: set[str] = set()  # people named in a public context once: no longer secret
        self.partners_know: set[tuple[str, str]] = set()  # (person, circle): real names were on
        self.chosen: dict[tuple[str, str], list[str]] = {}  # (person, circle) -> names chosen there
        self.name_now: dict[tuple[str, str], str | None] = {}  # (person, circle) -> the name chosen last (None:
        # the generated one)
        self.labels_public: set[tuple[str, str]] = set()  # (person, circle): its names shown while public
        self.bans: list[tuple[str, str, Ban]] = []  # every ban ever made: (circle, person, ban)

    # -- standing ---------------------------------------------------------------------------------------------
    def standing(self, circle: str, person: str) -> Standing:
        return self.circles[circle].people.setdefault(person, Standing())

    def banned(self, circle: str, person: str) -> bool:
        ban = self.standing(circle, person).ban
        return ban is not None and (ban.until is None or ban.until > self.now)

    def reads_as_member(self, circle: str, person: str) -> bool:
        """An approved, not banned member, as the host records it."""
        return self.standing(circle, person).state == "approved" and not self.banned(circle, person)

    def is_remote(self, circle: str, person: str) -> bool:
        return self.homes[person] != self.circles[circle].host

    def trusted(self, host: str, instance: str) -> bool:
        return instance in CIRCLEFED and self.trust[host].get(instance, False)

    def hosts_member(self, circle: str, instance: str, *, reading: bool = True) -> bool:
        """Whether `instance` hosts an approved member of the circle (not banned, when `reading`)."""
        check = self.reads_as_member if reading else (lambda c, p: self.standing(c, p).state == "approved")
        return any(self.homes[p] == instance and check(circle, p) for p in self.circles[circle].people)

    # -- who reads what ---------------------------------------------------------------------------------------
    def effective(self, row: Row) -> int:
        return max(row.audience, self.circles[row.circle].level)

    def host_level(self, circle: str, viewer: str) -> int:
        """semantics: the reader level of a viewer on the circle's host (viewer: a person, "anonymous",
        or "actor@X" for instance X's Application actor)."""
        c = self.circles[circle]
        if viewer == "anonymous":
            return PUBLIC
        if viewer.startswith("actor@"):
            instance = viewer.removeprefix("actor@")
            if instance == c.host or c.level == LOCAL:
                return PUBLIC
            return MEMBERS if self.trusted(c.host, instance) and self.hosts_member(circle, instance) else PUBLIC
        if not self.reads_as_member(circle, viewer):
            return PUBLIC
        if not self.is_remote(circle, viewer):
            return LOCAL
        if c.level == LOCAL:
            return PUBLIC
        return MEMBERS if self.trusted(c.host, self.homes[viewer]) else PUBLIC

    def may_read_on_host(self, row: Row, viewer: str) -> bool:
        return self.effective(row) <= self.host_level(row.circle, viewer)

    def remote_member(self, circle: str, person: str) -> bool:
        """semantics, a remote instance R: an approved, not banned member as R records it (a ban reaches the
        member's own instance; once its end time has passed, R may or may not know yet: a member again)."""
        standing = self.standing(circle, person)
        if standing.remote_state != "approved":
            return False
        return not self.banned(circle, person)

    def may_read_copy(self, row: Row, instance: str, viewer: str) -> bool:
        """Instance R's own account (or an anonymous visitor of R) reading R's copy of a row."""
        if viewer != "anonymous" and self.remote_member(row.circle, viewer):
            return True
        recorded = self.circles[row.circle].recorded.get(instance)
        return (recorded is None or recorded == PUBLIC) and row.audience == PUBLIC

    def deliverable(self, row: Row, instance: str) -> bool:
        """semantics, what leaves H: may this row's text go to `instance` now?"""
        c = self.circles[row.circle]
        if instance in (c.host, row.origin):
            return True
        level = self.effective(row)
        if level == PUBLIC:
            return True
        return level == MEMBERS and self.trusted(c.host, instance) and self.hosts_member(row.circle, instance)

    # -- bookkeeping after every step -------------------------------------------------------------------------
    def settle(self) -> None:
        """What a settled world has learnt: where texts may have gone, who was named in public, real names."""
        for row in self.rows.values():
            if row.deleted:
                continue
            reached = {i for i in (*CIRCLEFED, "R") if self.deliverable(row, i)}
            for marker in row.current:
                self.reach.setdefault(marker, set()).update(reached)
        for c in self.circles.values():
            for person, standing in c.people.items():
                standing.ever_member |= standing.state == "approved"
                standing.ever_related |= standing.state != "none" or standing.ban is not None
                if not standing.ever_related and not self._authored(c.key, person):
                    continue
                if c.level == PUBLIC:
                    self.exposed.add(person)
                    self.labels_public.add((person, c.key))
                elif c.level == MEMBERS and self.real_names[c.host] and not self.is_remote(c.key, person):
                    self.partners_know.add((person, c.key))

    def _authored(self, circle: str, person: str) -> bool:
        return any(r.circle == circle and r.author == person for r in self.rows.values())

    def related(self, person: str) -> list[str]:
        """Circles a person has or had any place in (a request, a membership, a ban, a post)."""
        return [
            c.key for c in self.circles.values()
            if person in c.people and (c.people[person].ever_related or self._authored(c.key, person))
        ]

    # -- what each step does, as the semantics say it should --------------------------------------------------
    def join(self, circle: str, person: str) -> None:
        """A join by a local member (the circle page) or by handle from another instance (a Follow)."""
        c, standing = self.circles[circle], self.standing(circle, person)
        remote = self.is_remote(circle, person)
        if remote and c.level == LOCAL:
            return  # a local circle does not exist outside its host: the handle finds nothing
        if remote:
            c.recorded[self.homes[person]] = c.level  # the instance read the Group document
            standing.ever_related = True  # its Follow reached the host, answered or not
            if standing.remote_state != "approved":
                standing.remote_state = "pending"
        if remote and c.level == MEMBERS and not self.trusted(c.host, self.homes[person]):
            standing.remote_state = "none"  # answered with Reject(Follow): the instance keeps no place for them
            return
        if self.banned(circle, person) or standing.state in ("pending", "approved"):
            if standing.state == "approved" and remote and not self.banned(circle, person):
                standing.remote_state = "approved"  # asked again: accepted again
            return
        standing.state = "approved" if c.level == PUBLIC and not c.requires_approval else "pending"
        if standing.state == "approved" and remote:
            standing.remote_state = "approved"

    def _answer_reaches(self, circle: str, person: str) -> bool:
        c = self.circles[circle]
        return c.level == PUBLIC or (c.level == MEMBERS and self.trusted(c.host, self.homes[person]))

    def approve(self, circle: str, person: str) -> None:
        self.standing(circle, person).state = "approved"
        if self.is_remote(circle, person) and self._answer_reaches(circle, person):
            self.standing(circle, person).remote_state = "approved"

    def reject(self, circle: str, person: str) -> None:
        self.standing(circle, person).state = "rejected"
        if self.is_remote(circle, person) and self._answer_reaches(circle, person):
            self.standing(circle, person).remote_state = "none"

    def leave(self, circle: str, person: str) -> None:
        standing = self.standing(circle, person)
        standing.state, standing.remote_state = "none", "none"

    def ban(self, circle: str, person: str, reason: str, *, shared: bool, until: datetime | None) -> None:
        public = self.circles[circle].level == PUBLIC
        self.standing(circle, person).ban = Ban(reason, shared, until, public)
        self.bans.append((circle, person, self.standing(circle, person).ban))

    def unban(self, circle: str, person: str) -> None:
        self.standing(circle, person).ban = None

    def set_level(self, circle: str, level: int) -> None:
        """A visibility change: the Group's Update reaches every instance hosting an approved member."""
        c = self.circles[circle]
        c.level = level
        c.requires_approval |= level != PUBLIC
        for instance in CIRCLEFED:
            if instance == c.host:
                continue
            if self.hosts_member(circle, instance):
                c.recorded[instance] = level if level != LOCAL else None  # a local circle's Group stays home
            elif self.hosts_member(circle, instance, reading=False):
                c.recorded[instance] = None  # only banned members there: told or not, semantics does not say

    def post(self, key: str, circle: str, author: str, markers: list[str], thread: str | None = None) -> Row:
        c, origin = self.circles[circle], self.homes[author]
        audience = c.level
        if origin != c.host:  # written where the circle is a copy: addressed as that instance records it
            recorded = c.recorded.get(origin)
            audience = min(c.level, PUBLIC if recorded is None else recorded)
        row = Row(key, circle, author, origin, audience, thread, list(markers), list(markers))
        self.rows[key] = row
        return row

    def edit(self, row: Row, markers: list[str]) -> None:
        row.markers += markers
        row.current = list(markers)
