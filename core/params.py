"""Query-parameter fields every API shares."""

import django_filters
from django import forms
from django.contrib.gis.geos import Polygon
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field


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
