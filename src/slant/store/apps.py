from django.apps import AppConfig


class StoreConfig(AppConfig):
    name = "slant.store"
    label = "store"
    verbose_name = "Articles and analyses"
    default_auto_field = "django.db.models.BigAutoField"
