"""A word index over threads (title and text) and replies (text), so that search reads the rows holding a query's
words instead of every row of the reader's circles. SQLite: an FTS5 external-content table per table, kept in
step by triggers (inserts, edits, deletions; bulk inserts too). PostgreSQL: a generated tsvector column per
table with a GIN index (COPY fills it as any insert does). Both index a row's Markdown source, or its HTML when a
copy from elsewhere came without one. No stemming and no stop words on either (the 'simple' configuration, and
FTS5's unicode61 tokenizer keeping accents): posts are written in many languages, and a stemmer right for one
mangles the others."""

from tortoise import migrations
from tortoise.migrations import operations as ops

# What SQLite's index calls a word: letters, numbers and the marks joined to them (Devanagari's vowel signs,
# say), accents kept as written, as PostgreSQL's parser does.
TOKENIZER = "unicode61 remove_diacritics 0 categories 'L* N* Co M*'"
TABLES = {"threads": ("title", "source"), "posts": ("source",)}


def _text(row: str) -> str:
    return f"CASE WHEN {row}.source = '' THEN {row}.content_html ELSE {row}.source END"


def _values(table: str, row: str) -> str:
    return f"{row}.id, {row}.title, {_text(row)}" if table == "threads" else f"{row}.id, {_text(row)}"


def _sqlite_statements(table: str) -> list[str]:
    # Each trigger is one statement (its inner ';' included): the schema editor would split a script on them.
    index = f"{table}_search"
    columns = ", ".join(TABLES[table])
    # Names from TABLES alone, no value from outside.
    add = f"INSERT INTO {index}(rowid, {columns}) VALUES ({_values(table, 'new')})"  # noqa: S608
    remove = f"INSERT INTO {index}({index}, rowid, {columns}) VALUES ('delete', {_values(table, 'old')})"  # noqa: S608
    changed = " OR ".join(f"old.{c} IS NOT new.{c}" for c in ("source", "content_html", *TABLES[table][:-1]))
    return [
        f"CREATE VIRTUAL TABLE {index} USING fts5({columns}, content='{table}', content_rowid='id', "
        f'tokenize="{TOKENIZER}")',
        f"CREATE TRIGGER {index}_insert AFTER INSERT ON {table} BEGIN {add}; END",
        f"CREATE TRIGGER {index}_delete AFTER DELETE ON {table} BEGIN {remove}; END",
        f"CREATE TRIGGER {index}_update AFTER UPDATE ON {table} WHEN {changed} BEGIN {remove}; {add}; END",
        f"INSERT INTO {index}(rowid, {columns}) SELECT {_values(table, table)} FROM {table}",  # noqa: S608
    ]


def _postgres_statements(table: str) -> list[str]:
    words = " || ' ' || ".join([*(c for c in TABLES[table][:-1]), _text(table)])
    return [
        f"ALTER TABLE {table} ADD COLUMN search_vector tsvector "
        f"GENERATED ALWAYS AS (to_tsvector('simple', {words})) STORED",
        f"CREATE INDEX {table}_search_vector ON {table} USING gin (search_vector)",
        # Without statistics on the new column the planner guesses how rare a word is, and guesses badly (a rare
        # word's search took 0.2-0.4 s instead of 3 ms at 100k replies until autovacuum came by).
        f"ANALYZE {table}",
    ]


async def create_word_index(apps, schema_editor) -> None:
    client = schema_editor.client
    postgres = client.capabilities.dialect == "postgres"
    for table in TABLES:
        for statement in _postgres_statements(table) if postgres else _sqlite_statements(table):
            await client.execute_query(statement)


async def drop_word_index(apps, schema_editor) -> None:
    client = schema_editor.client
    postgres = client.capabilities.dialect == "postgres"
    for table in TABLES:
        if postgres:
            await client.execute_query(f"ALTER TABLE {table} DROP COLUMN search_vector")  # drops its index too
            continue
        for event in ("insert", "delete", "update"):
            await client.execute_query(f"DROP TRIGGER {table}_search_{event}")
        await client.execute_query(f"DROP TABLE {table}_search")


class Migration(migrations.Migration):
    dependencies = [('models', '0024_notification_reads')]

    initial = False

    operations = [
        ops.RunPython(create_word_index, reverse_code=drop_word_index),
    ]
