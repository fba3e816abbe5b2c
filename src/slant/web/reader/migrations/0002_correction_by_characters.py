"""Corrections name their span by characters, not by its position in one analysis.

Before: ``span_key`` was ``m<i>`` (the i-th span of the persuasion layer of
whatever analysis was shown) or ``c<id>`` (a span added by correction id),
and a relabel kept the new technique in ``label``. After: a model span is
``(start, end, label)`` plus the ``pipeline`` of the analysis it was made on,
an added span is ``target``, and a relabel's new technique is ``new_label``.

Existing ``m<i>`` rows are resolved against the analysis the app showed when
they were made: the article's newest analysis. A row whose span cannot be
found keeps ``start``/``end`` empty, and the app lists it as orphaned.
"""

import django.db.models.deletion
from django.db import migrations, models


def _by_characters(apps, schema_editor):  # type: ignore[no-untyped-def]
    Correction = apps.get_model("reader", "Correction")
    Analysis = apps.get_model("store", "Analysis")
    alias = schema_editor.connection.alias
    newest: dict[str, object] = {}
    for c in Correction.objects.using(alias).select_related("entry").order_by("created_at", "id"):
        if c.action == "add":
            continue
        if c.action == "relabel":
            c.new_label, c.label = c.label, ""
        key = c.span_key or ""
        if key.startswith("c") and key[1:].isdigit():
            c.target_id = int(key[1:]) if Correction.objects.using(alias).filter(pk=int(key[1:]), entry_id=c.entry_id).exists() else None
        elif key.startswith("m") and key[1:].isdigit():
            article_id = c.entry.article_id
            if article_id not in newest:
                newest[article_id] = Analysis.objects.using(alias).filter(article_id=article_id).order_by("-created_at", "-id").first()
            analysis = newest[article_id]
            spans = ((analysis.data or {}).get("layers") or {}).get("persuasion") or [] if analysis is not None else []
            i = int(key[1:])
            if analysis is not None and i < len(spans):
                c.start, c.end, c.label = int(spans[i]["start"]), int(spans[i]["end"]), spans[i].get("label") or ""
                c.pipeline = analysis.pipeline
        c.save(update_fields=["start", "end", "label", "new_label", "pipeline", "target"])


class Migration(migrations.Migration):

    dependencies = [
        ("reader", "0001_initial"),
        ("store", "0002_updated_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="correction",
            name="new_label",
            field=models.CharField(blank=True, default="", max_length=80),
        ),
        migrations.AddField(
            model_name="correction",
            name="pipeline",
            field=models.CharField(blank=True, default="", max_length=255),
        ),
        migrations.AddField(
            model_name="correction",
            name="target",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE,
                                    related_name="followups", to="reader.correction"),
        ),
        migrations.RunPython(_by_characters, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name="correction",
            name="span_key",
        ),
    ]
