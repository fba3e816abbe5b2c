"""Intake jobs (reading uploads and fetching URLs in the worker) and each job's owner, for fair scheduling."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def _owners(apps, schema_editor):  # type: ignore[no-untyped-def]
    """Existing jobs belong to whoever first added their article."""
    Job = apps.get_model("jobs", "Job")
    Entry = apps.get_model("library", "Entry")
    alias = schema_editor.connection.alias
    for job in Job.objects.using(alias).filter(owner__isnull=True, article__isnull=False):
        first = Entry.objects.using(alias).filter(article_id=job.article_id, added_by__isnull=False).order_by("added_at", "id").first()
        if first is not None:
            Job.objects.using(alias).filter(pk=job.pk).update(owner_id=first.added_by_id)


class Migration(migrations.Migration):

    dependencies = [
        ('jobs', '0001_initial'),
        ('library', '0002_entry_title_upload'),
        ('store', '0002_updated_at'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='job',
            name='claimed_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='job',
            name='kind',
            field=models.CharField(choices=[('analyse', 'Analyse'), ('intake', 'Intake')], default='analyse', max_length=10),
        ),
        migrations.AddField(
            model_name='job',
            name='owner',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='job',
            name='upload',
            field=models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='job', to='library.upload'),
        ),
        migrations.AlterField(
            model_name='job',
            name='article',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='jobs', to='store.article'),
        ),
        migrations.AlterField(
            model_name='job',
            name='pipeline',
            field=models.CharField(blank=True, default='', max_length=255),
        ),
        migrations.RunPython(_owners, migrations.RunPython.noop),
    ]
