from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.utils.translation import gettext_lazy as _
from leaflet.admin import LeafletGeoAdmin

from .members import check_cells
from .models import GridCell, Member, Region, RegionLevel, Unit, display_name


def township_filter(code_lookup):
    """A list filter by township; every model reaches it through a code that starts with the township's prefix."""

    class TownshipFilter(admin.SimpleListFilter):
        title = _("township")
        parameter_name = "township"

        def lookups(self, request, model_admin):
            townships = Region.objects.filter(level=RegionLevel.TOWNSHIP).order_by("code")
            return [(township.code, f"{township.name} ({township.code})") for township in townships]

        def queryset(self, request, queryset):
            if self.value():
                return queryset.filter(**{f"{code_lookup}__startswith": self.value()[:9]})
            return queryset

    return TownshipFilter


@admin.register(Region)
class RegionAdmin(LeafletGeoAdmin):
    list_display = ["code", "name", "level", "parent", "child_count"]
    list_filter = ["level", township_filter("code")]
    list_select_related = ["parent"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent"]
    ordering = ["code"]

    def get_readonly_fields(self, request, obj=None):
        # Children's and cells' codes start with this code: renumbering is a re-import, not an edit.
        return ["code", "level"] if obj is not None else []

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(child_count=Count("children"))

    @admin.display(description=_("children"), ordering="child_count")
    def child_count(self, region):
        return region.child_count


class CellMemberInline(admin.TabularInline):
    """Who works a cell. Read-only: assignments are edited on the member, where the cell rules are checked."""

    model = Member.cells.through
    verbose_name = _("member")
    verbose_name_plural = _("members")
    fields = ["username", "person", "role", "unit"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("member__user", "member__unit")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("username"))
    def username(self, link):
        return link.member.user.get_username()

    @admin.display(description=_("name"))
    def person(self, link):
        return display_name(link.member.user)

    @admin.display(description=_("role"))
    def role(self, link):
        return link.member.get_role_display()

    @admin.display(description=_("unit"))
    def unit(self, link):
        return link.member.unit.name


@admin.register(GridCell)
class GridCellAdmin(LeafletGeoAdmin):
    list_display = ["code", "name", "village", "township", "kind", "households"]
    list_filter = ["kind", township_filter("code")]
    list_select_related = ["village__parent"]
    search_fields = ["code", "name", "village__name", "members__user__username"]
    autocomplete_fields = ["village"]
    ordering = ["code"]
    inlines = [CellMemberInline]

    @admin.display(description=_("township"), ordering="village__parent__code")
    def township(self, cell):
        return cell.village.parent


class MemberForm(forms.ModelForm):
    """Checks the cells the same way grid.members.assign_member does."""

    class Meta:
        model = Member
        fields = ["user", "role", "unit", "cells", "phone", "active"]

    def clean(self):
        cleaned = super().clean()
        role = cleaned.get("role")
        unit = cleaned.get("unit")
        if "unit" not in self.fields:  # in a unit's inline the unit is the object being edited
            unit = getattr(self.instance, "unit", None)
        if role and unit is not None and unit.region_id:
            try:
                check_cells(role, unit, list(cleaned.get("cells") or []))
            except ValidationError as error:
                self.add_error(None, error)
        return cleaned


class MemberInline(admin.TabularInline):
    model = Member
    form = MemberForm
    fields = ["user", "role", "cells", "phone", "active"]
    autocomplete_fields = ["user", "cells"]
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user", "unit__region").prefetch_related("cells")


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "region", "member_count", "active"]
    list_filter = ["kind", "active", "region__level", township_filter("region__code")]
    list_select_related = ["region"]
    search_fields = ["code", "name", "region__name", "region__code"]
    autocomplete_fields = ["region"]
    ordering = ["region__code", "kind"]
    inlines = [MemberInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_count=Count("members"))

    @admin.display(description=_("members"), ordering="member_count")
    def member_count(self, unit):
        return unit.member_count


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    form = MemberForm
    list_display = ["user", "person", "role", "unit", "active"]
    list_filter = ["role", "active", "unit__kind", township_filter("unit__region__code")]
    list_select_related = ["user", "unit"]
    search_fields = ["user__username", "user__last_name", "user__first_name", "unit__name", "unit__code"]
    autocomplete_fields = ["user", "unit", "cells"]
    ordering = ["unit__code", "role", "user__username"]

    @admin.display(description=_("name"), ordering="user__last_name")
    def person(self, member):
        return display_name(member.user)
