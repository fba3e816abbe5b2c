from django.contrib import admin

from slant.web.jobs.models import Job


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ("pk", "article", "status", "attempts", "lease_until", "created_at")
    list_filter = ("status",)
