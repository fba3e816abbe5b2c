from django.contrib import admin

from slant.web.accounts.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("prefix", "user", "created_at", "last_used_at")
    readonly_fields = ("prefix", "digest", "created_at", "last_used_at")
