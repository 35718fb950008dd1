"""Filters on the case list and map layer. They only narrow what `Case.objects.visible_to` gave."""

import django_filters
from django import forms
from django.contrib.gis.geos import Polygon
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from disputes.models import OPEN_STATES, PAUSED_STATES, Case, CaseState, Category, Grade
from grid.models import Region


class BBoxField(forms.CharField):
    """minlon,minlat,maxlon,maxlat in WGS 84."""

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        try:
            minlon, minlat, maxlon, maxlat = (float(part) for part in value.split(","))
        except ValueError:
            raise forms.ValidationError(
                _("Give the box as minlon,minlat,maxlon,maxlat, e.g. 114.0,41.0,115.0,42.0."), code="bbox"
            ) from None
        if not (-180 <= minlon < maxlon <= 180 and -90 <= minlat < maxlat <= 90):
            raise forms.ValidationError(
                _("The box must have minlon < maxlon and minlat < maxlat, within ±180 and ±90."), code="bbox"
            )
        return Polygon.from_bbox((minlon, minlat, maxlon, maxlat))


@extend_schema_field(OpenApiTypes.STR)
class BBoxFilter(django_filters.Filter):
    field_class = BBoxField

    def filter(self, qs, value):
        if value is None:
            return qs
        value.srid = 4326
        # `contained` compares bounding boxes, which the spatial index answers; for points it is exact.
        return qs.filter(**{f"{self.field_name}__contained": value})


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
        overdue = Q(state__in=OPEN_STATES - PAUSED_STATES, due_at__lt=timezone.now())
        return qs.filter(overdue) if value else qs.exclude(overdue)

    def filter_text(self, qs, name, value):
        return qs.filter(Q(description__icontains=value) | Q(number__icontains=value))
