"""PostgreSQL only: the articles' English text vector as a stored, generated column with a GIN index.

Attention's word search counted matches through an expression index on ``to_tsvector('english', text)``;
the index found the rows, but every match's text was read from TOAST and parsed again to check it
(48 s per search at 30,000 articles). A stored column is computed once when an article is written and
always agrees with its text; the query tests it directly. It replaces the expression index of 0002.
The column is the database's own (Django's ``Article`` model does not list it, so the ORM never writes
it). SQLite searches the web app's FTS5 table instead.
"""

from django.db import migrations

COLUMN = "text_search"
INDEX = "aggregates_article_text_search"


def create(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"ALTER TABLE store_article ADD COLUMN IF NOT EXISTS {COLUMN} tsvector "
            "GENERATED ALWAYS AS (to_tsvector('english'::regconfig, COALESCE(\"text\", ''))) STORED"
        )
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {INDEX} ON store_article USING gin ({COLUMN})")
        schema_editor.execute("DROP INDEX IF EXISTS aggregates_article_text_fts")


def drop(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")
        schema_editor.execute(f"ALTER TABLE store_article DROP COLUMN IF EXISTS {COLUMN}")
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS aggregates_article_text_fts ON store_article "
            "USING gin (to_tsvector('english'::regconfig, COALESCE(\"text\", '')))"
        )


class Migration(migrations.Migration):
    dependencies = [("aggregates", "0002_article_fulltext")]
    operations = [migrations.RunPython(create, drop)]
