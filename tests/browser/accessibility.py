"""Browser tests: assert_accessible(page) runs axe-core on the page and fails on serious or critical violations."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

from tests.browser import screens

FAILING_IMPACTS = ("serious", "critical")
_AXE = Axe()


def violations(page: Page) -> list[dict]:
    """Every axe-core violation on the page as axe reports it (id, impact, help, helpUrl, nodes)."""
    return _AXE.run(page).response["violations"]


def describe(violation: dict) -> str:
    targets = [" ".join(map(str, node["target"])) for node in violation["nodes"]]
    lines = [f"- {violation['id']} ({violation['impact']}): {violation['help']} [{violation['helpUrl']}]"]
    lines += [f"    {target}" for target in targets]
    return "\n".join(lines)


def assert_accessible(page: Page) -> None:
    """Fail with a readable list of every serious or critical axe-core violation on the current page."""
    screens.shoot(page)
    found = violations(page)
    failing = [v for v in found if v["impact"] in FAILING_IMPACTS]
    minor = [v for v in found if v["impact"] not in FAILING_IMPACTS]
    if minor:  # shown with the test's output when it fails; not a failure by themselves
        print(f"axe-core minor findings on {page.url}:\n" + "\n".join(map(describe, minor)))
    if failing:
        listing = "\n".join(map(describe, failing))
        raise AssertionError(f"{len(failing)} serious/critical accessibility violation(s) on {page.url}:\n{listing}")
