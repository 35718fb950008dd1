"""The event stream in the admin: read-only, as an outbox should be."""

from django.contrib import admin

from .models import Event, EventGroup


class EventGroupInline(admin.TabularInline):
    model = EventGroup
    fields = ["group"]
    readonly_fields = ["group"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["seq", "kind", "case_id", "area_code", "audit_seq", "created_at"]
    list_filter = ["kind"]
    search_fields = ["=seq", "=case_id", "area_code"]
    date_hierarchy = "created_at"
    readonly_fields = ["seq", "audit_seq", "kind", "case_id", "area_code", "payload", "created_at"]
    inlines = [EventGroupInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
