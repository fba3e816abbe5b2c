from django.apps import AppConfig


class AggregatesConfig(AppConfig):
    name = "slant.store.aggregates"
    label = "aggregates"
    verbose_name = "Stories, outlets and attention"
    default_auto_field = "django.db.models.BigAutoField"
