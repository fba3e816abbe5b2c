"""The SQLite FTS5 table for full-text search (PostgreSQL needs none)."""

from django.db import migrations


def create(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5(article_id UNINDEXED, title, body, tokenize='unicode61')"
        )


def drop(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS search_fts")


class Migration(migrations.Migration):
    initial = True
    dependencies = [("store", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
