"""The Status renderer: Mastodon's shape, a thread's escaped title in bold first, visibility and replies."""

from __future__ import annotations

from datetime import UTC, datetime

from circlefed.protocol.mastodon_status import AccountFacts, StatusFacts, render_status

WHEN = datetime(2026, 5, 1, 12, 30, 5, 250000, tzinfo=UTC)
AUTHOR = AccountFacts(
    id="1000000000007", username="Member 1a2b", acct="Member 1a2b", display_name="Member 1a2b",
    url="https://x.example/c/care", uri="https://x.example/c/care", avatar="a", header="h",
)
CIRCLE = AccountFacts(
    id="3000000000002", username="care", acct="care", display_name="Care", url="https://x.example/c/care",
    uri="https://x.example/circles/care", avatar="a", header="h", group=True,
)


def test_a_thread_is_a_status_with_its_title_in_bold_and_its_circle_mentioned():
    facts = StatusFacts(
        id="14", uri="https://x.example/t/abc", url="https://x.example/t/abc", created_at=WHEN, edited_at=None,
        account=AUTHOR, content_html="<p>body</p>", content_warning="meds", public=False, title="<Hard> day",
        replies_count=2, favourites_count=1, favourited=True, circle=CIRCLE,
    )
    status = render_status(facts)
    assert status["content"] == "<p><strong>&lt;Hard&gt; day</strong></p><p>body</p>"
    assert status["created_at"] == "2026-05-01T12:30:05.250Z"
    assert status["edited_at"] is None
    assert (status["spoiler_text"], status["sensitive"], status["visibility"]) == ("meds", True, "private")
    assert status["mentions"] == [
        {"id": "3000000000002", "username": "care", "url": "https://x.example/c/care", "acct": "care"}
    ]
    assert (status["replies_count"], status["favourites_count"], status["favourited"]) == (2, 1, True)
    assert status["account"]["username"] == "Member 1a2b" and status["account"]["group"] is False
    assert status["media_attachments"] == [] and status["poll"] is None and status["reblogs_count"] == 0


def test_a_reply_has_no_title_and_points_at_its_thread():
    facts = StatusFacts(
        id="15", uri="u", url="w", created_at=WHEN, edited_at=WHEN, account=AUTHOR, content_html="<p>me too</p>",
        content_warning=None, public=True, in_reply_to_id="14", in_reply_to_account_id="1",
    )
    status = render_status(facts)
    assert status["content"] == "<p>me too</p>"
    assert (status["visibility"], status["sensitive"], status["spoiler_text"]) == ("public", False, "")
    assert (status["in_reply_to_id"], status["in_reply_to_account_id"]) == ("14", "1")
    assert status["mentions"] == [] and status["edited_at"] == "2026-05-01T12:30:05.250Z"
