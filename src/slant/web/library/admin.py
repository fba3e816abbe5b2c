from django.contrib import admin

from slant.web.library.models import Collection, Entry, Membership


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0


@admin.register(Collection)
class CollectionAdmin(admin.ModelAdmin):
    list_display = ("name", "created_at")
    inlines = [MembershipInline]


admin.site.register(Entry)
