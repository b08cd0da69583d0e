"""Storage: the page revision, a number the database raises by trigger on every change a page could show
(migration 0020), read in one statement so that a kept page can be checked against it on every request."""

from __future__ import annotations

from circlefed.storage.models import InstancePolicy

# Tables no page shows: the only ones without the trigger (a test checks every other table has it).
UNSHOWN_TABLES = frozenset({
    "account_sessions", "deliveries", "inbox_items", "instance_secrets", "login_failures", "login_lockouts", "markers",
    "oauth_apps", "oauth_codes", "oauth_tokens", "outbox_activities", "password_resets", "seen_signatures",
})


async def current_page_revision() -> int:
    """The page revision now: any committed change to a shown table since a page was made gives a larger one."""
    rows = await InstancePolicy._meta.db.execute_query_dict("SELECT number FROM page_revision WHERE id = 1")
    return int(rows[0]["number"])
