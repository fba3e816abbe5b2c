from django.apps import AppConfig


class Config(AppConfig):
    name = "slant.web.search"
    label = "search"
    default_auto_field = "django.db.models.BigAutoField"
