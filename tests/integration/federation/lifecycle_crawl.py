"""Crawler of the stateful leak test (issue 14): after a step, every page and document of every instance, as every
viewer it serves (HTML: its own accounts and anonymous visitors; AS2: unsigned, and signed by every remote
person, instance actor and the recorder), plus what each instance stored and received, checked against the
oracle: no marker, handle, actor URL, pseudonym or unshared ban reason reaches anyone the oracle excludes; the
host's members do see what they should; a hidden object answers exactly like a missing one."""

from __future__ import annotations

import json
import re

from .lifecycle_forms import find_form
from .lifecycle_oracle import PUBLIC, Oracle
from .lifecycle_plan import Url
from .lifecycle_secrets import Names, secrets_for
from .lifecycle_snapshot import Stored
from .lifecycle_world import ANONYMOUS, HOMES, RECORDER, Answer, World, instance_actor

MISSING = "missing0zz"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class Crawl:
    def __init__(
        self, world: World, oracle: Oracle, stored: dict[str, Stored], names: Names, uris: dict[str, str]
    ) -> None:
        self.world, self.oracle, self.stored, self.names = world, oracle, stored, names
        self.world_uri = uris.get  # row key -> its URI
        self.step = 0  # which of the viewers alike asks, in turn
        self.failures: list[str] = []
        self._secrets: dict[tuple[str, str, str], dict[str, str]] = {}
        self.pages: dict[tuple[str, str, str], Answer] = {}  # (viewer, instance, path or URL) -> answer
        self.asked = 0

    def secrets(self, viewer: str, vantage: str, kind: str) -> dict[str, str]:
        key = (viewer, vantage, kind)
        if key not in self._secrets:
            self._secrets[key] = secrets_for(self.oracle, self.names, viewer, vantage, kind)
        return self._secrets[key]

    def check(self, text: str, viewer: str, vantage: str, kind: str, where: str) -> None:
        for secret, why in self.secrets(viewer, vantage, kind).items():
            if secret in text:
                self.failures.append(f"{viewer} was shown {secret!r} ({why}) at {vantage} {where}")

    # -- asking and judging -----------------------------------------------------------------------------------
    async def run(self, asked: list[tuple[str, Url]]) -> None:
        for viewer, url in asked:
            self.asked += 1
            if url.html:
                answer = await self.world.page(viewer, url.home, url.target)
                self.pages[(viewer, url.home, url.target)] = answer
                kind = f"facilitator:{url.circle}" if url.role.startswith("facilitator") else "html"
            else:
                answer, kind = await self.world.fetch(viewer, url.target), "as2"
                self.pages[(viewer, url.home, url.target)] = answer
            self.check(answer.text, viewer, url.home, kind, url.target)
        await self._hidden_like_missing(asked)

    def check_stored(self, since: int) -> None:
        """Texts stored on an instance reached it; inbox items are what was federated to it."""
        for home, stored in self.stored.items():
            for marker in sorted(stored.markers):
                if home not in self.oracle.reach.get(marker, set()):
                    self.failures.append(f"{home} stores {marker!r}, which may never have gone there")
            for item_id, text in stored.inbox:
                self.check(text, instance_actor(home), home, "inbox", f"inbox item {item_id}")
        for number, activity in enumerate(self.world.recorder.received[since:], start=since):
            self.check(json.dumps(activity), RECORDER, "R", "inbox", f"delivery {number} to the recorder")

    def check_members_see(self) -> None:
        """Positive control: the host's own approved members read every live row its people wrote."""
        for row in self.oracle.rows.values():
            circle = self.oracle.circles[row.circle]
            thread = self.oracle.rows.get(row.thread) if row.thread else row
            if row.deleted or thread.deleted or row.origin != circle.host or not row.current:
                continue
            for person in HOMES[circle.host]:
                answer = self.pages.get((person, circle.host, thread.path))
                if answer is None or not self.oracle.reads_as_member(row.circle, person):
                    continue
                missing = [m for m in row.current if m not in answer.text]
                if missing:
                    self.failures.append(f"{person}, a member of {row.circle}, does not see {missing} at {thread.path}"
                                         f" (answer {answer.status}: {_gist(answer.text)})")

    def check_copies_seen(self, asked: list[tuple[str, Url]]) -> None:
        """Positive control on the other instances: a member of the circle (as that instance records it) reads the
        copy of a thread stored there (semantics: R's account reads a copy iff...)."""
        by_uri = {self.world_uri(key): row for key, row in self.oracle.rows.items()}
        for viewer, url in asked:
            row = by_uri.get(url.role[4:]) if url.html and url.role.startswith("row ") else None
            if row is None or viewer not in self.oracle.homes or row.deleted:
                continue
            if self.oracle.circles[row.circle].host == url.home:
                continue
            stored = self.stored[url.home].markers
            if not set(row.current) <= stored or not self.oracle.remote_member(row.circle, viewer):
                continue
            answer = self.pages[(viewer, url.home, url.target)]
            missing = [m for m in row.current if m not in answer.text]
            if missing:
                here = self.stored[url.home]
                self.failures.append(f"{viewer}, a member of {row.circle}, does not see {missing} at {url.home} "
                                     f"{url.target} (answer {answer.status}: {_gist(answer.text)}; there the copy"
                                     f" is {here.copy_states.get(row.circle, 'missing')}, the thread"
                                     f" {here.thread_states.get(url.role[4:], 'not found by its uri')})")

    def check_names_saved(self) -> None:
        """semantics: on /account, saving a circle's name shows the new name (while the person's own instance
        keeps a place for them in the circle: a request or a membership; one refused or left takes its name)."""
        for (person, circle), name in self.oracle.name_now.items():
            page = self.pages.get((person, self.world.home_of[person], "/account"))
            standing = self.oracle.standing(circle, person)
            own_record = standing.remote_state if self.oracle.is_remote(circle, person) else standing.state
            if own_record not in ("pending", "approved"):
                continue
            if name and page is not None and name not in page.text:
                self.failures.append(f"{person} does not see the name {name!r} they chose in {circle} on /account")

    async def _hidden_like_missing(self, asked: list[tuple[str, Url]]) -> None:
        """A thread a viewer may not read answers exactly as a missing one (status, body, caching), as a document,
        as a page, and to the page's reply form (semantics: hidden and missing answer identically). Once per
        instance and kind each step, by one of the viewers it was hidden from this step, in turn."""
        candidates: dict[tuple[str, bool], list[tuple[str, Url]]] = {}
        for viewer, item in asked:
            key = item.circle
            if key is None or not item.role.startswith("row ") or "/t/" not in item.target:
                continue
            circle = self.oracle.circles[key]
            if item.target.endswith(("/context", "/replies")) or circle.host != item.home or circle.level == PUBLIC:
                continue
            if self.oracle.host_level(key, viewer) == PUBLIC:
                candidates.setdefault((item.home, item.html), []).append((viewer, item))
        for found in candidates.values():
            viewer, item = found[self.step % len(found)]
            twin = item.target.rsplit("/", 1)[0] + "/" + MISSING
            hidden = self.pages[(viewer, item.home, item.target)]
            missing = await (self.world.page(viewer, item.home, twin) if item.html else self.world.fetch(viewer, twin))
            self._same(hidden, missing, viewer, item.target, "a missing thread")
            if item.html:
                signed_in = [(v, i) for v, i in found if v != ANONYMOUS]
                if signed_in:
                    await self._reply_like_missing(*signed_in[self.step % len(signed_in)])

    async def _reply_like_missing(self, viewer: str, item: Url) -> None:
        """The reply form's target of a hidden thread (as its facilitator's page shows it) answers as one naming
        no thread at all."""
        facilitator = self.oracle.circles[item.circle].facilitator
        form = find_form((await self.world.page(facilitator, item.home, item.target)).text, "/reply")
        if form is None:
            return
        action = form.action.removeprefix(self.world.base(item.home))
        parts = action.split("/")
        twin = "/".join(part if index != 2 else ("99999999" if part.isdigit() else MISSING)
                        for index, part in enumerate(parts))
        token = CSRF.search((await self.world.page(viewer, item.home, "/circles")).text)
        sent = {"csrf_token": token.group(1) if token else "", "body": "hello", "action": "post"}
        hidden = await self.world.post(viewer, item.home, action, sent)
        missing = await self.world.post(viewer, item.home, twin, sent)
        self._same(hidden, missing, viewer, f"POST {action}", "one to a missing thread")

    def _same(self, hidden: Answer, missing: Answer, viewer: str, where: str, what: str) -> None:
        if (hidden.status, hidden.text, hidden.headers.get("Cache-Control")) != (
            missing.status, missing.text, missing.headers.get("Cache-Control")
        ):
            self.failures.append(f"{viewer} can tell {where} ({hidden.status}) from {what} ({missing.status})")


def _gist(page: str) -> str:
    """The page's heading and notices, for a failure's report."""
    found = re.findall(r"<(?:h1|p class=\"(?:notice|flash)[^\"]*\")[^>]*>(.*?)</", page, re.S)
    return " | ".join(" ".join(text.split()) for text in found)[:300]
