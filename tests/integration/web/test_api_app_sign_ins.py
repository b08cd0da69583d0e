"""Mastodon apps signing in (Ivory, Tusky, Elk, Phanpy): each app's recorded calls, replayed in its order with its
own registration, redirect URI, scopes and token request, the member approving on the real consent page, all
answer 2xx (and JSON or XML where the app reads it). The recordings and their sources: tests/fixtures/app_sign_ins/."""

from __future__ import annotations

import json
import re
import secrets
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from aiohttp import FormData
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from circlefed.storage.models import Actor
from tests.integration.web.conftest import sign_in
from tests.integration.web.member_world import thread
from tests.integration.web.oauth_flow import bearer, query_of
from tests.integration.web.page_forms import submit

pytestmark = pytest.mark.storage
RECORDINGS = Path(__file__).resolve().parents[2] / "fixtures" / "app_sign_ins"
APPS = sorted(path.stem for path in RECORDINGS.glob("*.json"))
PLACEHOLDERS = ("client_id", "client_secret", "code", "code_challenge", "code_verifier", "account_id", "server")


def recording(app: str) -> dict:
    return json.loads((RECORDINGS / f"{app}.json").read_text(encoding="utf-8"))


@dataclass
class Replay:
    """One app's sign-in against the test instance: the values it has learned so far, and the calls that failed."""

    client: Any
    domain: str
    values: dict[str, str] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    def fill(self, text: str, *, in_url: bool = False) -> str:
        for name, value in ({"server": self.domain} | self.values).items():
            text = text.replace("{" + name + "}", quote(value, safe="") if in_url else value)
        return text

    def headers(self, auth: str) -> dict[str, str]:
        if auth == "user":
            return bearer(self.values["access_token"])
        if auth == "app":
            return bearer(self.values["app_token"])
        return {}

    def body(self, step: dict) -> dict:
        params = {name: self.fill(value) for name, value in step.get("params", {}).items()}
        kind = step.get("body")
        if kind == "json":
            return {"json": params}
        if kind == "form":
            return {"data": params}
        if kind == "multipart":
            return {"data": FormData(params, default_to_multipart=True)}
        return {}

    async def call(self, step: dict) -> bool:
        """Make the call as the app does; False (the failure noted) when its answer is not what the app needs."""
        path = self.fill(step["path"], in_url=True)
        shown = f"{step['method']} {step['path']}"
        async with self.client.request(
            step["method"], path, headers=self.headers(step["auth"]), allow_redirects=False, **self.body(step)
        ) as response:
            status, kind, raw = response.status, response.content_type, await response.read()
        if status // 100 != 2 and status not in step.get("also_ok", ()):
            self.failures.append(f"{shown} -> {status} {raw[:160]!r}")
            return False
        if status // 100 != 2:
            return True
        problem = answer_problem(step.get("parses"), kind, raw, self.domain)
        if problem:
            self.failures.append(f"{shown} -> {status}, {problem}")
            return False
        for name, key in step.get("saves", {}).items():
            self.values[name] = str(json.loads(raw)[key])
        if step.get("follows") == "nodeinfo 2.0 or older":
            document = newest_nodeinfo_up_to_2(json.loads(raw))
            if document:
                return await self.call({**step, "path": urlsplit(document).path, "follows": None})
        return True

    async def authorize(self, step: dict) -> bool:
        """The member, signed in in the browser the app opened, presses Allow; the code reaches the app's URI."""
        if step.get("pkce") == "S256":
            self.values["code_verifier"] = secrets.token_hex(28)  # Phanpy's shape: 56 hex digits
            self.values["code_challenge"] = create_s256_code_challenge(self.values["code_verifier"])
        self.client.session.cookie_jar.clear()
        await sign_in(self.client, "robin")
        response = await submit(self.client, self.fill(step["path"], in_url=True), "Allow")
        self.client.session.cookie_jar.clear()
        location = response.headers.get("Location", "")
        if response.status != 303 or not reaches(location, self.fill(step["redirect_uri"])):
            self.failures.append(f"authorize -> {response.status} to {location[:200]!r}")
            return False
        self.values["code"] = query_of(location).get("code", "")
        return bool(self.values["code"])


def reaches(location: str, redirect_uri: str) -> bool:
    """Whether the consent page's redirect goes to the app's redirect URI with a query added. A scheme is case
    insensitive (RFC 3986 3.1): Mastodon's own redirect lowercases it too (Ruby's URI), and the apps cope."""
    scheme, _, rest = redirect_uri.partition(":")
    sent_scheme, _, sent_rest = location.partition(":")
    return sent_scheme.lower() == scheme.lower() and sent_rest.startswith(rest + "?")


def newest_nodeinfo_up_to_2(index: dict) -> str:
    """Phanpy's pick among /.well-known/nodeinfo's links: the newest schema version <= 2 ('' for none)."""
    schema = "http://nodeinfo.diaspora.software/ns/schema/"
    listed = []
    for link in index.get("links", []):
        version = str(link.get("rel", "")).removeprefix(schema)
        if link.get("rel", "").startswith(schema) and version.replace(".", "").isdigit():
            numbers = tuple(int(part) for part in version.split(".") if part)
            if numbers[0] < 2 or (numbers[0] == 2 and not any(numbers[1:])):
                listed.append((numbers, link.get("href", "")))
    return max(listed)[1] if listed else ""


def answer_problem(parses: str | None, kind: str, raw: bytes, domain: str) -> str:
    """What would stop the app reading the answer ('' when nothing would)."""
    if parses == "json":
        if "json" not in kind:
            return f"Content-Type {kind}, not JSON"
        try:
            json.loads(raw)
        except ValueError:
            return "a body that is not JSON"
    if parses == "xml":
        # Phanpy takes the instance's domain from the first Link template; another host would send it elsewhere.
        links = ET.fromstring(raw).findall("{*}Link")  # noqa: S314 (the instance under test's own answer)
        host = urlsplit(links[0].get("template", "")).netloc if links else ""
        if host != domain:
            return f"host-meta names {host!r}, not {domain!r}"
    return ""


@pytest.fixture
async def world(settings, clock, grief):
    """robin in a public circle where fran started a thread: a home timeline with something in it."""
    fran = await Actor.get(local_name="fran")
    await thread(settings, clock, grief, fran, "Ten years today", "Still thinking of him.")
    return grief


@pytest.mark.parametrize("mastodon_app", APPS)
async def test_each_call_an_app_makes_when_a_member_signs_in_answers(client, settings, world, mastodon_app):
    replay = Replay(client, settings.instance.domain)
    for step in recording(mastodon_app)["steps"]:
        done = await (replay.authorize(step) if step.get("step") == "authorize" else replay.call(step))
        if not done and ("saves" in step or step.get("step") == "authorize"):
            replay.failures.append("(the calls after it need what it answers: not made)")
            break
    assert not replay.failures, f"{mastodon_app}:\n" + "\n".join(replay.failures)


async def test_four_apps_are_recorded_and_every_call_names_its_source():
    assert APPS == ["elk", "ivory", "phanpy", "tusky"]
    for app in APPS:
        steps = recording(app)["steps"]
        assert next(step for step in steps if step.get("method") == "POST")["path"] == "/api/v1/apps", app
        assert [step.get("step") for step in steps].count("authorize") == 1, app
        for step in steps:
            assert step["source"].startswith("https://"), (app, step)
            assert step.get("step") == "authorize" or step["auth"] in ("none", "user", "app"), (app, step)
            written = " ".join([step["path"], step.get("redirect_uri", ""), *step.get("params", {}).values()])
            assert set(re.findall(r"\{(\w+)\}", written)) <= set(PLACEHOLDERS), (app, step["path"])


def test_phanpy_reads_the_newest_nodeinfo_up_to_2_0_and_none_newer():
    schema = "http://nodeinfo.diaspora.software/ns/schema/"
    both = {"links": [{"rel": f"{schema}2.1", "href": "https://a.example/nodeinfo/2.1"},
                      {"rel": f"{schema}2.0", "href": "https://a.example/nodeinfo/2.0"}]}
    assert newest_nodeinfo_up_to_2(both) == "https://a.example/nodeinfo/2.0"
    assert newest_nodeinfo_up_to_2({"links": both["links"][:1]}) == ""
