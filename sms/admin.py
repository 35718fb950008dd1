from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Message, Preference


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    """Read-only: what was sent to whom (numbers masked), when, and what the provider answered."""

    list_display = ["created_at", "masked", "template", "event", "state", "attempts", "sent_at"]
    list_filter = ["state", "template"]
    search_fields = ["event"]
    fields = [
        "masked",
        "event",
        "template",
        "params",
        "state",
        "attempts",
        "created_at",
        "sent_at",
        "backend",
        "answer",
        "error",
    ]
    readonly_fields = fields

    @admin.display(description=_("phone"))
    def masked(self, message):
        return message.masked_phone

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Preference)
class PreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "new_tasks", "deadline_warnings"]
    raw_id_fields = ["user"]
