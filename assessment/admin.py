from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Scheme, SchemeWeight

DEDUCTIONS = {"fields": ("per_overdue", "per_rework", "per_complaint", "per_missed_supervision", "per_on_spot")}
PEOPLE = {"fields": ("per_report", "per_on_spot_report", "per_verification", "per_active_day")}


class WeightInline(admin.TabularInline):
    model = SchemeWeight
    extra = 1


@admin.register(Scheme)
class SchemeAdmin(admin.ModelAdmin):
    list_display = ("name", "county", "valid_from", "valid_to")
    list_filter = ("county",)
    inlines = [WeightInline]
    fieldsets = [
        (None, {"fields": ("county", "name", "valid_from", "valid_to")}),
        (
            _("Deductions and bonuses (points)"),
            DEDUCTIONS,
        ),
        (
            _("Gridworkers and volunteers (points)"),
            PEOPLE,
        ),
    ]
