"""The page revision (issue 21): one number the database itself raises, by trigger, on every change to a table
whose rows a page may show, so that a page kept for anonymous readers is never served after anything on it
changed, whichever code path (web, CLI, worker, another process) made the change. Bookkeeping tables (sessions,
queues, limits, secrets, the outbox) have no trigger: no page shows them."""

from tortoise import migrations
from tortoise.migrations import operations as ops

# Tables no page shows. Every other table of the schema carries the trigger (tests/integration/web check both).
UNSHOWN_TABLES = (
    "account_sessions", "deliveries", "inbox_items", "instance_secrets", "login_failures", "login_lockouts",
    "outbox_activities", "password_resets", "seen_signatures",
)
SHOWN_TABLES = (
    "accounts", "actors", "circle_bans", "circle_names", "circles", "content_rules", "conversation_parties",
    "conversations", "domain_rules", "instance_policy", "instances", "invites", "memberships", "messages",
    "moderation_log", "posts", "reactions", "reports", "revisions", "threads", "trusted_instances",
)
BUMP = "UPDATE page_revision SET number = number + 1 WHERE id = 1"


def _sqlite_triggers() -> list[str]:
    # SQLite has row triggers only; its schema editor splits statements on ';', so each runs on its own.
    return [
        f"CREATE TRIGGER page_revision_{table}_{event.lower()} AFTER {event} ON {table} BEGIN {BUMP}; END"
        for table in SHOWN_TABLES
        for event in ("INSERT", "UPDATE", "DELETE")
    ]


def _postgres_triggers() -> list[str]:
    # One bump per statement: a bulk insert of a thousand rows raises the number once.
    function = (
        "CREATE FUNCTION bump_page_revision() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$ BEGIN {BUMP}; RETURN NULL; END $$"
    )
    return [function] + [
        f"CREATE TRIGGER page_revision_{table} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION bump_page_revision()"
        for table in SHOWN_TABLES
    ]


async def create_page_revision(apps, schema_editor) -> None:
    client = schema_editor.client
    await client.execute_query("CREATE TABLE page_revision (id INT PRIMARY KEY, number BIGINT NOT NULL)")
    await client.execute_query("INSERT INTO page_revision (id, number) VALUES (1, 0)")
    postgres = client.capabilities.dialect == "postgres"
    for statement in _postgres_triggers() if postgres else _sqlite_triggers():
        await client.execute_query(statement)


async def drop_page_revision(apps, schema_editor) -> None:
    client = schema_editor.client
    postgres = client.capabilities.dialect == "postgres"
    for table in SHOWN_TABLES:
        if postgres:
            await client.execute_query(f"DROP TRIGGER page_revision_{table} ON {table}")
        else:
            for event in ("insert", "update", "delete"):
                await client.execute_query(f"DROP TRIGGER page_revision_{table}_{event}")
    if postgres:
        await client.execute_query("DROP FUNCTION bump_page_revision()")
    await client.execute_query("DROP TABLE page_revision")


class Migration(migrations.Migration):
    dependencies = [('models', '0019_circle_creation')]

    initial = False

    operations = [
        ops.RunPython(create_page_revision, reverse_code=drop_page_revision),
    ]
