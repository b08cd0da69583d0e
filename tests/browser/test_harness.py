"""Browser tests: the harness journeys rely on: accounts, logging in, screenshots, axe and two federating servers."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from tests.browser import screens
from tests.browser.helpers import assert_accessible, create_account, log_in, log_out
from tests.factories import PASSWORD


def test_an_account_created_by_the_operator_logs_in_and_out_through_the_forms(server, page, request):
    create_account(server, "harness_member", PASSWORD)
    log_in(page, server.base_url, "harness_member", PASSWORD)
    log_out(page)
    folder = screens.folder_for(request.node.nodeid)
    shots = sorted(p.name for p in folder.glob("*.png"))
    assert shots[0] == "01-login.png" and len(shots) == 3, shots  # the form, signed in, signed out


def test_a_wrong_password_is_refused_with_the_page_message(server, page):
    create_account(server, "harness_refused", PASSWORD)
    with pytest.raises(AssertionError, match="was refused"):
        log_in(page, server.base_url, "harness_refused", "not the password")


def test_assert_accessible_lists_every_serious_violation_with_its_targets(page):
    page.set_content(
        '<html><body><main><h1>Unreadable</h1><p id="faint" style="color:#ccc;background:#fff">faint text</p>'
        '<input id="nameless" type="text"></main></body></html>'
    )
    with pytest.raises(AssertionError) as failure:
        assert_accessible(page)
    message = str(failure.value)
    assert "color-contrast (serious)" in message and "#faint" in message
    assert "label (critical)" in message and "#nameless" in message


def test_two_servers_are_separate_instances_on_their_own_ports(two_servers):
    first, second = two_servers
    assert first.domain != second.domain
    create_account(first, "only_on_first", PASSWORD)
    assert _status(first.url("/u/only_on_first")) == 200
    assert _status(second.url("/u/only_on_first")) == 404


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
