"""Administration of the linkage chain (联动链): capabilities and edges, with warnings after each change
and a drawing of a region's chain."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from grid.admin import township_filter
from grid.models import Region, RegionLevel, Unit

from ..models import Capability, Grade, LinkageEdge, Relation

# --- the linkage chain (联动链) -------------------------------------------------------------------

MAX_CHAIN_WARNINGS = 10


def warn_about_chain(model_admin, request):
    """After a change to the chain, list what is still wrong with it (dead ends, gaps, orphans) as warnings."""
    from . import chain

    found = chain.violations()
    if not found:
        return
    model_admin.message_user(
        request,
        ngettext(
            "The linkage chain has %(count)d problem:",
            "The linkage chain has %(count)d problems:",
            len(found),
        )
        % {"count": len(found)},
        messages.WARNING,
    )
    for violation in found[:MAX_CHAIN_WARNINGS]:
        model_admin.message_user(request, violation.message, messages.WARNING)
    if len(found) > MAX_CHAIN_WARNINGS:
        model_admin.message_user(
            request,
            gettext("… and %(count)d more (manage.py check_linkage lists them all).")
            % {"count": len(found) - MAX_CHAIN_WARNINGS},
            messages.WARNING,
        )


class ChainWarningsMixin:
    """Show the chain's remaining problems after every save and delete."""

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        warn_about_chain(self, request)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        warn_about_chain(self, request)

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        warn_about_chain(self, request)


@admin.register(Capability)
class CapabilityAdmin(ChainWarningsMixin, admin.ModelAdmin):
    """Which unit kinds handle which categories (and their subcategories), up to which grade."""

    list_display = ["unit_kind", "category", "max_grade"]
    list_filter = ["unit_kind", "max_grade", "category__kind"]
    list_select_related = ["category"]
    search_fields = ["category__code", "category__name"]
    autocomplete_fields = ["category"]
    ordering = ["unit_kind", "category__code"]
    list_per_page = 200
    fields = ["unit_kind", "category", "max_grade"]


class LinkageEdgeForm(forms.ModelForm):
    """Refuses an edge that would make escalation go round in a circle or point down the chain."""

    grades = forms.MultipleChoiceField(
        label=_("grades"),
        choices=Grade.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every grade."),
    )

    class Meta:
        model = LinkageEdge
        fields = ["source", "relation", "target", "categories", "grades"]
        help_texts = {"categories": _("None chosen: every category. A category includes its subcategories.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        instance = self.instance
        self._original = (instance.source_id, instance.target_id) if instance.pk else None
        self._original_relation = instance.relation if instance.pk else None

    def clean(self):
        from . import chain
        from . import graph as linkage

        cleaned = super().clean()
        source, target, relation = cleaned.get("source"), cleaned.get("target"), cleaned.get("relation")
        if not (source and target and relation):
            return cleaned
        if source == target:
            raise ValidationError(_("A unit cannot be linked to itself."))
        if relation != Relation.ESCALATES_TO:
            return cleaned
        if linkage.RANK[target.level] < linkage.RANK[source.level]:
            raise ValidationError(
                _(
                    "%(source)s is a %(source_level)s unit and cannot escalate to %(target)s, "
                    "a %(target_level)s unit: escalation goes up the chain."
                )
                % {
                    "source": source.name,
                    "source_level": RegionLevel(source.level).label,
                    "target": target.name,
                    "target_level": RegionLevel(target.level).label,
                }
            )
        base = linkage.load()
        replacing = self._original if self._original_relation == Relation.ESCALATES_TO else None
        cycle = chain.escalation_cycle(base, source.pk, target.pk, replacing)
        if cycle:
            names = {unit.pk: unit.name for unit in Unit.objects.filter(pk__in=cycle)}
            raise ValidationError(
                _("This edge would make escalation go round in a circle: %(names)s.")
                % {"names": " → ".join(names.get(pk, str(pk)) for pk in cycle)}
            )
        return cleaned


@admin.register(LinkageEdge)
class LinkageEdgeAdmin(ChainWarningsMixin, admin.ModelAdmin):
    form = LinkageEdgeForm
    list_display = ["source", "arrow", "target", "relation", "category_list", "grade_list"]
    list_display_links = ["source", "arrow", "target"]
    list_filter = ["relation", "source__kind", "target__kind", township_filter("source__region__code")]
    list_select_related = ["source", "target"]
    search_fields = ["source__name", "source__code", "target__name", "target__code"]
    autocomplete_fields = ["source", "target"]
    filter_horizontal = ["categories"]
    ordering = ["source__code", "relation", "target__code"]
    list_per_page = 200

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("categories")

    @admin.display(description="")
    def arrow(self, edge):
        return "→" if edge.relation == Relation.ESCALATES_TO else "⇢"

    @admin.display(description=_("categories"))
    def category_list(self, edge):
        return "、".join(str(category) for category in edge.categories.all()) or gettext("all")

    @admin.display(description=_("grades"))
    def grade_list(self, edge):
        return " / ".join(Grade(grade).name.lower() for grade in edge.grades or []) or gettext("all")

    # The chain drawn for a region.

    def get_urls(self):
        return [
            path("chain/", self.admin_site.admin_view(self.chain_view), name="disputes_linkageedge_chain"),
            *super().get_urls(),
        ]

    def chain_view(self, request):
        from . import chain
        from . import graph as linkage

        if not self.has_view_permission(request):
            raise PermissionDenied
        regions = list(
            Region.objects.filter(level__in=[RegionLevel.COUNTY, RegionLevel.TOWNSHIP, RegionLevel.VILLAGE])
            .only("pk", "code", "name", "level")
            .order_by("code")
        )
        code = request.GET.get("region") or next((r.code for r in regions if r.level == RegionLevel.TOWNSHIP), "")
        region = next((r for r in regions if r.code == code), None)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Linkage chain"),
            "regions": [(r.code, r.name, r.level) for r in regions],
            "selected": code,
            "region": region,
        }
        if code and region is None:
            context["error"] = gettext("No region has the code %(code)s.") % {"code": code}
        if region is not None:
            snapshot = linkage.load()
            found = chain.violations(snapshot, region)
            context["drawing"] = chain.layout(snapshot, region)
            context["violations"] = [(v.message, chain.describe_units(snapshot, v)) for v in found]
        return TemplateResponse(request, "disputes/chain.html", context)
