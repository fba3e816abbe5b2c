from django.apps import AppConfig


class Config(AppConfig):
    name = "slant.web.jobs"
    label = "jobs"
    default_auto_field = "django.db.models.BigAutoField"
