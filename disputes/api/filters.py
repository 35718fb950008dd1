"""Filters on the case list and map layer. They only narrow what `Case.objects.visible_to` gave."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.params import BBoxFilter, DateTimeParamFilter, FlagFilter, ParamFilterSet
from disputes import lifecycle
from disputes.models import Case, CaseState, Category, Grade
from grid.models import GridCell, Region, Unit


class AreaField(forms.CharField):
    """A region's or a grid cell's code, cleaned to the prefix of the area codes inside it."""

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        region = Region.objects.filter(code=value).only("code", "level").first()
        if region is not None:
            return region.prefix  # the whole subtree
        if GridCell.objects.filter(code=value).exists():
            return value
        raise forms.ValidationError(_("No region or grid cell has the code “%(code)s”."), params={"code": value})


class AreaFilter(django_filters.CharFilter):
    field_class = AreaField

    def filter(self, qs, value):
        return qs if value is None else qs.filter(area_code__startswith=value)


class CaseFilter(ParamFilterSet):
    state = django_filters.MultipleChoiceFilter(choices=CaseState.choices, help_text=_("repeat for several states"))
    category = django_filters.ModelChoiceFilter(
        queryset=Category.objects.all(),
        to_field_name="code",
        method="filter_category",
        help_text=_("category code, with its subcategories"),
    )
    grade = django_filters.MultipleChoiceFilter(choices=Grade.choices)
    region = AreaFilter(help_text=_("region or grid cell code"))
    unit = django_filters.ModelChoiceFilter(
        queryset=Unit.objects.all(),
        to_field_name="code",
        field_name="current_unit",
        help_text=_("code of the current unit"),
    )
    overdue = FlagFilter(method="filter_overdue", help_text=_("open, not paused, past its due time"))
    created_after = DateTimeParamFilter(field_name="created_at", lookup_expr="gte")
    created_before = DateTimeParamFilter(field_name="created_at", lookup_expr="lt")
    due_before = DateTimeParamFilter(field_name="due_at", lookup_expr="lt")
    bbox = BBoxFilter(field_name="point", help_text=_("minlon,minlat,maxlon,maxlat"))
    q = django_filters.CharFilter(method="filter_text", help_text=_("text in the description or the case number"))

    class Meta:
        model = Case
        fields = []

    def filter_category(self, qs, name, value):
        # Three levels at most (大类/中类/小类), so three joins cover every descendant.
        tree = Category.objects.filter(Q(pk=value.pk) | Q(parent=value.pk) | Q(parent__parent=value.pk))
        return qs.filter(category__in=tree.values("pk"))

    def filter_overdue(self, qs, name, value):
        overdue = lifecycle.overdue(timezone.now())
        return qs.filter(overdue) if value else qs.exclude(overdue)

    def filter_text(self, qs, name, value):
        return qs.filter(Q(description__icontains=value) | Q(number__icontains=value))
