"""Filters on the case list and map layer. They only narrow what `Case.objects.visible_to` gave."""

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.params import BBoxFilter
from disputes import lifecycle
from disputes.models import Case, CaseState, Category, Grade
from grid.models import Region


class CaseFilter(django_filters.FilterSet):
    state = django_filters.MultipleChoiceFilter(choices=CaseState.choices, help_text=_("repeat for several states"))
    category = django_filters.CharFilter(method="filter_category", help_text=_("category code, with its subcategories"))
    grade = django_filters.MultipleChoiceFilter(choices=Grade.choices)
    region = django_filters.CharFilter(method="filter_region", help_text=_("region or grid cell code"))
    unit = django_filters.CharFilter(field_name="current_unit__code", help_text=_("code of the current unit"))
    overdue = django_filters.BooleanFilter(method="filter_overdue", help_text=_("open, not paused, past its due time"))
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    due_before = django_filters.IsoDateTimeFilter(field_name="due_at", lookup_expr="lt")
    bbox = BBoxFilter(field_name="point", help_text=_("minlon,minlat,maxlon,maxlat"))
    q = django_filters.CharFilter(method="filter_text", help_text=_("text in the description or the case number"))

    class Meta:
        model = Case
        fields = []

    def filter_category(self, qs, name, value):
        # Three levels at most (大类/中类/小类), so three joins cover every descendant.
        tree = Category.objects.filter(Q(code=value) | Q(parent__code=value) | Q(parent__parent__code=value))
        return qs.filter(category__in=tree.values("pk"))

    def filter_region(self, qs, name, value):
        region = Region.objects.filter(code=value).first()
        # A region matches its whole subtree by prefix; anything else (a cell code) as given.
        return qs.filter(area_code__startswith=region.prefix if region else value)

    def filter_overdue(self, qs, name, value):
        overdue = lifecycle.overdue(timezone.now())
        return qs.filter(overdue) if value else qs.exclude(overdue)

    def filter_text(self, qs, name, value):
        return qs.filter(Q(description__icontains=value) | Q(number__icontains=value))
