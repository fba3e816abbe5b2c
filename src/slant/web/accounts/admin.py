from django.contrib import admin

from slant.web.accounts.models import ApiToken, Invitation, Quota, Registration


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("prefix", "user", "created_at", "last_used_at")
    readonly_fields = ("prefix", "digest", "created_at", "last_used_at")


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ("prefix", "created_by", "created_at", "expires_at", "used_by", "used_at")
    readonly_fields = ("prefix", "digest", "created_by", "created_at", "used_at", "used_by")


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    list_display = ("user", "address", "created_at", "invitation")
    readonly_fields = ("user", "address", "created_at", "invitation")


@admin.register(Quota)
class QuotaAdmin(admin.ModelAdmin):
    list_display = ("user", "articles", "bytes", "jobs")
