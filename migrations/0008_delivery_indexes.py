"""Restore the deliveries indexes that 0003 lost on SQLite (its column change rebuilt the table without them).

PostgreSQL kept them; every statement here is a no-op there. On SQLite the table had no unique (activity,
inbox) index and no index for the worker's claim, so every claim and enqueue scanned the whole table. Rows that
the missing constraint let in twice are folded into one first: the one that was delivered (or is being sent)
is kept, and rows that waited for a removed twin wait for the kept one."""

from tortoise import migrations
from tortoise.migrations import operations as ops

# The kept row of each (activity, inbox): delivered first, then in flight, then the oldest.
_RANKED = """
WITH ranked AS (
    SELECT id, FIRST_VALUE(id) OVER (
        PARTITION BY activity_id, inbox_uri
        ORDER BY CASE state WHEN 'delivered' THEN 0 WHEN 'sending' THEN 1 ELSE 2 END, id
    ) AS kept
    FROM deliveries
)
"""

FOLD_TWINS = [  # fixed text only, no values
    _RANKED  # noqa: S608
    + "UPDATE deliveries SET after_id = (SELECT kept FROM ranked WHERE ranked.id = deliveries.after_id) "
    "WHERE after_id IN (SELECT id FROM ranked WHERE id <> kept)",
    _RANKED + "DELETE FROM deliveries WHERE id IN (SELECT id FROM ranked WHERE id <> kept)",  # noqa: S608
]

# The names the models give these indexes (what PostgreSQL already has), so that both stores agree.
CREATE_INDEXES = [
    'CREATE UNIQUE INDEX IF NOT EXISTS "uid_deliveries_activit_d1af11" ON "deliveries" ("activity_id", "inbox_uri")',
    'CREATE INDEX IF NOT EXISTS "idx_deliveries_state_36d329" ON "deliveries" ("state", "next_attempt_at")',
    'CREATE INDEX IF NOT EXISTS "idx_deliveries_domain_3b9e62" ON "deliveries" ("domain")',
    'CREATE INDEX IF NOT EXISTS "idx_deliveries_orderin_42a2d1" ON "deliveries" ("ordering_key")',
]


class Migration(migrations.Migration):
    dependencies = [("models", "0007_ui_accounts")]

    initial = False

    operations = [
        # Going back leaves the indexes: the models declare them, and PostgreSQL's unique one backs a constraint.
        ops.RunSQL(FOLD_TWINS + CREATE_INDEXES, reverse_sql=ops.RunSQL.noop),
    ]
