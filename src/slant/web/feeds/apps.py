from django.apps import AppConfig


class Config(AppConfig):
    name = "slant.web.feeds"
    label = "feeds"
    default_auto_field = "django.db.models.BigAutoField"
