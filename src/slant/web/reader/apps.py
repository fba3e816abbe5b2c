from django.apps import AppConfig


class Config(AppConfig):
    name = "slant.web.reader"
    label = "reader"
    default_auto_field = "django.db.models.BigAutoField"
