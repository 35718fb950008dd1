from django.contrib import admin

from .models import Call, ColumnMapping, Place, ServiceItem, ServiceMatter, WorkOrder


@admin.register(Place)
class PlaceAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "region"]
    list_filter = ["kind"]
    search_fields = ["name", "terms"]
    readonly_fields = ["terms"]
    raw_id_fields = ["region"]


@admin.register(Call)
class CallAdmin(admin.ModelAdmin):
    list_display = ["report", "clerk", "outcome", "taken_at"]
    list_filter = ["outcome"]
    readonly_fields = ["report", "clerk", "caller_id_number", "outcome", "taken_at"]

    def has_add_permission(self, request):
        return False  # a call is taken at the desk, through intake


@admin.register(ServiceItem)
class ServiceItemAdmin(admin.ModelAdmin):
    list_display = ["name", "deciding_unit", "handling", "promised_days", "active"]
    list_filter = ["handling", "active"]
    search_fields = ["name", "deciding_unit"]


@admin.register(ServiceMatter)
class ServiceMatterAdmin(admin.ModelAdmin):
    list_display = ["case", "item", "resident_name", "opened_at"]
    readonly_fields = ["case", "item", "resident_name", "resident_id_number", "received", "opened_by", "opened_at"]
    search_fields = ["case__number", "resident_name"]

    def has_add_permission(self, request):
        return False  # a matter is opened at the desk, through intake


@admin.register(WorkOrder)
class WorkOrderAdmin(admin.ModelAdmin):
    list_display = ["number", "report", "imported_by", "imported_at"]
    search_fields = ["number"]
    readonly_fields = ["number", "report", "payload", "warnings", "imported_by", "imported_at"]

    def has_add_permission(self, request):
        return False  # a work order comes in through the desk's import, through intake


@admin.register(ColumnMapping)
class ColumnMappingAdmin(admin.ModelAdmin):
    list_display = ["unit", "updated_by", "updated_at"]
    raw_id_fields = ["unit"]
    readonly_fields = ["updated_by", "updated_at"]
