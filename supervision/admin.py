from django.contrib import admin

from .models import Complaint, Order, Reply


class ReplyInline(admin.TabularInline):
    model = Reply
    fields = ("at", "by", "unit", "text")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class ReadOnly(admin.ModelAdmin):
    """Read-only here: orders and complaints change only through their verbs (supervision.services)."""

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Order)
class OrderAdmin(ReadOnly):
    list_display = ("pk", "case", "reason", "level", "state", "unit", "issued_at", "due_at")
    list_filter = ("reason", "level", "state")
    search_fields = ("case__number",)
    inlines = [ReplyInline]

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user).select_related("case", "unit")


@admin.register(Complaint)
class ComplaintAdmin(ReadOnly):
    list_display = ("pk", "case", "received_at", "order")
    search_fields = ("case__number",)

    def get_queryset(self, request):
        from disputes.models import Case

        visible = Case.objects.visible_to(request.user).values("pk")
        return super().get_queryset(request).filter(case__in=visible).select_related("case", "order")
