from django.contrib import admin

from .models import Upload


@admin.register(Upload)
class UploadAdmin(admin.ModelAdmin):
    """Read-only: an upload changes only through its protocol (services.py)."""

    list_display = ("sha256", "owner", "offset", "length", "created_at", "expires_at", "completed_at")
    list_filter = ("completed_at",)
    search_fields = ("sha256", "owner__username")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
