"""The admin of regions, cells, units and members, and of users.

Superusers see everything. County and township administrators (grid.administration) see the
same pages scoped to their regions: regions, cells and units to read, the members and people of
their region to add, edit, deactivate, reset the password of, and sign out of a lost phone.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from leaflet.admin import LeafletGeoAdmin

from . import administration, members
from .members import check_cells
from .models import GridCell, Member, Region, RegionLevel, Unit, display_name


class ScopedAdmin:
    """Rows limited to what the signed-in administrator manages (everything for a superuser)."""

    scope = None  # a function of grid.administration: user -> queryset

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if administration.everything(request.user):
            return qs
        return qs.filter(pk__in=self.scope(request.user).values("pk"))


def township_filter(code_lookup):
    """A list filter by township; every model reaches it through a code that starts with the township's prefix."""

    class TownshipFilter(admin.SimpleListFilter):
        title = _("township")
        parameter_name = "township"

        def lookups(self, request, model_admin):
            townships = administration.region_rows(request.user).filter(level=RegionLevel.TOWNSHIP).order_by("code")
            return [(township.code, f"{township.name} ({township.code})") for township in townships]

        def queryset(self, request, queryset):
            if self.value():
                return queryset.filter(**{f"{code_lookup}__startswith": self.value()[:9]})
            return queryset

    return TownshipFilter


@admin.register(Region)
class RegionAdmin(ScopedAdmin, LeafletGeoAdmin):
    scope = staticmethod(administration.region_rows)
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
class GridCellAdmin(ScopedAdmin, LeafletGeoAdmin):
    scope = staticmethod(administration.cells)
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
    """Checks the cells the same way grid.members.assign_member does, and what the administrator may grant."""

    administrator = None  # the signed-in user, set by the admin's get_form

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
                if self.administrator is not None:
                    administration.check_grant(self.administrator, role, unit)
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
class UnitAdmin(ScopedAdmin, admin.ModelAdmin):
    scope = staticmethod(administration.units)
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
class MemberAdmin(ScopedAdmin, admin.ModelAdmin):
    scope = staticmethod(administration.members)
    form = MemberForm
    list_display = ["user", "person", "role", "unit", "active"]
    list_filter = ["role", "active", "unit__kind", township_filter("unit__region__code")]
    list_select_related = ["user", "unit"]
    search_fields = ["user__username", "user__last_name", "user__first_name", "unit__name", "unit__code"]
    autocomplete_fields = ["user", "unit", "cells"]
    ordering = ["unit__code", "role", "user__username"]
    actions = ["deactivate", "revoke_phone_sign_ins", "reset_passwords"]

    @admin.display(description=_("name"), ordering="user__last_name")
    def person(self, member):
        return display_name(member.user)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        return type(form.__name__, (form,), {"administrator": request.user})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            kwargs["queryset"] = administration.users(request.user)
        elif db_field.name == "unit":
            kwargs["queryset"] = administration.units(request.user).select_related("region")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "cells":
            kwargs["queryset"] = administration.cells(request.user)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        obj._was_active = bool(change and form.initial.get("active", True))
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        members.member_saved(form.instance, was_active=getattr(form.instance, "_was_active", False))

    @admin.action(description=_("Deactivate the selected members (and sign out their phones)"), permissions=["change"])
    def deactivate(self, request, queryset):
        chosen = list(queryset.select_related("user"))
        for member in chosen:
            members.deactivate_member(member)
        self.message_user(
            request,
            ngettext("%(count)d member deactivated.", "%(count)d members deactivated.", len(chosen))
            % {"count": len(chosen)},
            messages.SUCCESS,
        )

    def _people(self, request, queryset):
        """The selected members' people that this administrator manages, and how many others were left out."""
        chosen = {member.user_id for member in queryset}
        people = list(administration.users(request.user).filter(pk__in=chosen).order_by("username"))
        left_out = len(chosen) - len(people)
        if left_out:
            self.message_user(
                request,
                ngettext(
                    "%(count)d person also works outside your region: ask an administrator above you.",
                    "%(count)d people also work outside your region: ask an administrator above you.",
                    left_out,
                )
                % {"count": left_out},
                messages.WARNING,
            )
        return people

    @admin.action(
        description=_("Revoke the phone sign-ins of the selected people (a lost phone)"), permissions=["change"]
    )
    def revoke_phone_sign_ins(self, request, queryset):
        people = self._people(request, queryset)
        for user in people:
            members.revoke_phone_sign_ins(user)
        if people:
            self.message_user(
                request,
                _("Signed out on every phone: %(people)s. They sign in again with their password.")
                % {"people": "、".join(display_name(user) for user in people)},
                messages.SUCCESS,
            )

    @admin.action(description=_("Set a temporary password for the selected people"), permissions=["change"])
    def reset_passwords(self, request, queryset):
        for user in self._people(request, queryset):
            password = members.reset_password(user, by=request.user)
            self.message_user(
                request,
                _(
                    "Temporary password of %(name)s (%(username)s): %(password)s — hand it over in person; "
                    "they choose their own at the next sign-in."
                )
                % {"name": display_name(user), "username": user.get_username(), "password": password},
                messages.WARNING,
            )


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class PersonAdmin(ScopedAdmin, UserAdmin):
    """Django's user admin; an administrator sees the people of their region, and only their
    names, sign-in and status: never staff, superuser, groups or permissions."""

    scope = staticmethod(administration.users)
    scoped_fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("last_name", "first_name", "email")}),
        (_("Status"), {"fields": ("is_active",)}),
    )

    def get_fieldsets(self, request, obj=None):
        if obj is None or administration.everything(request.user):
            return super().get_fieldsets(request, obj)
        return self.scoped_fieldsets

    def get_list_filter(self, request):
        return super().get_list_filter(request) if administration.everything(request.user) else ("is_active",)

    def save_model(self, request, obj, form, change):
        was_active = bool(change and form.initial.get("is_active", True))
        super().save_model(request, obj, form, change)
        if was_active and not obj.is_active:
            members.revoke_phone_sign_ins(obj)
