"""PostgreSQL only: a GIN index on the articles' English text vector, for attention's word search.

The expression matches what Django's ``SearchVector("text", config="english")`` writes, so the
planner uses the index. SQLite searches the web app's FTS5 table instead.
"""

from django.db import migrations

INDEX = "aggregates_article_text_fts"


def create(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON store_article "
            "USING gin (to_tsvector('english'::regconfig, COALESCE(\"text\", '')))"
        )


def drop(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("aggregates", "0001_initial"), ("store", "0002_updated_at")]
    operations = [migrations.RunPython(create, drop)]
