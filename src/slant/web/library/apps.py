from django.apps import AppConfig


class Config(AppConfig):
    name = "slant.web.library"
    label = "library"
    default_auto_field = "django.db.models.BigAutoField"
