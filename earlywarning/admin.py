from django.contrib import admin

from .models import RiskWord, Warning, WarningEntry


@admin.register(RiskWord)
class RiskWordAdmin(admin.ModelAdmin):
    """The county's list of risk words (扬言, 报复, 上访 …): the analysis reads it on every run."""

    list_display = ("word", "level", "active")
    list_editable = ("level", "active")
    list_filter = ("level", "active")
    search_fields = ("word",)


class EntryInline(admin.TabularInline):
    model = WarningEntry
    fields = ("seq", "action", "from_state", "to_state", "actor", "at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Warning)
class WarningAdmin(admin.ModelAdmin):
    """Read-only here: a warning changes only through its verbs (the warnings page and its API)."""

    list_display = ("pk", "kind", "place_name", "level", "state", "raised_at", "updated_at")
    list_filter = ("kind", "level", "state")
    search_fields = ("place_name", "area_code")
    inlines = [EntryInline]

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user).select_related("region", "cell")

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
