"""Input every API reads the same way: query parameters, and the body fields DRF reads too loosely.

One rule: a parameter that is given must be well-formed, or the answer is a 400 in the error
shape naming it. Given empty (`?region=`) is malformed, not absent; a date must carry a real
UTC offset and lie within years the databases store; an integer must fit a database integer.
List filters derive from `ParamFilterSet`, query serializers from `QuerySerializer`.
"""

import datetime
import re

import django_filters
from django import forms
from django.contrib.gis.geos import Polygon
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.errors import InvalidInput

# The largest value a database integer column (bigint) holds.
MAX_INTEGER = 2**63 - 1
# Dates a filter may name: Python, PostgreSQL and SQLite all hold these after conversion to UTC.
EARLIEST = datetime.datetime(1900, 1, 1, tzinfo=datetime.UTC)
LATEST = datetime.datetime(3000, 1, 1, tzinfo=datetime.UTC)
# Real UTC offsets run from -12:00 to +14:00; PostgreSQL refuses those beyond ±15:59.
MAX_OFFSET = datetime.timedelta(hours=14)


class InvalidParameter(InvalidInput):
    """A malformed query parameter: 400, code `invalid_<name>`, the message under `fields[name]`."""

    def __init__(self, name, message):
        super().__init__(message, fields={name: [str(message)]})
        self.code = f"invalid_{name}"


def blank_message(name):
    return _("Give a value for “%(name)s”, or leave the parameter out.") % {"name": name}


def given_blank(data, name):
    """Whether the query names `name` with an empty value (a QueryDict may hold it several times)."""
    if name not in data:
        return False
    values = data.getlist(name) if hasattr(data, "getlist") else [data.get(name)]
    return any(not str(value).strip() for value in values)


class DateTimeParamField(forms.DateTimeField):
    """An ISO 8601 date-time, e.g. 2026-05-01T08:00:00+08:00 (without an offset: Beijing time)."""

    default_error_messages = {
        "invalid": _("Give a date-time as ISO 8601, e.g. 2026-05-01T08:00:00+08:00."),
        "offset": _("The UTC offset must lie between -14:00 and +14:00."),
        "range": _("The date must lie between 1900 and 2999."),
    }

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, datetime.datetime):
            parsed = value
        else:
            try:
                parsed = parse_datetime(str(value).strip())
            except ValueError:
                parsed = None
            if parsed is None:
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        if timezone.is_naive(parsed):
            try:
                parsed = timezone.make_aware(parsed)
            except (OverflowError, ValueError):
                raise forms.ValidationError(self.error_messages["range"], code="range") from None
        if abs(parsed.utcoffset()) > MAX_OFFSET:
            raise forms.ValidationError(self.error_messages["offset"], code="offset")
        try:
            parsed = parsed.astimezone(datetime.UTC)
        except OverflowError:
            raise forms.ValidationError(self.error_messages["range"], code="range") from None
        if not EARLIEST <= parsed < LATEST:
            raise forms.ValidationError(self.error_messages["range"], code="range")
        return parsed


@extend_schema_field(OpenApiTypes.DATETIME)
class DateTimeParamFilter(django_filters.Filter):
    field_class = DateTimeParamField


class FlagField(forms.Field):
    """true/false (also 1/0, yes/no); anything else is malformed, not "no filter"."""

    TRUE = {"1", "true", "yes", "on"}
    FALSE = {"0", "false", "no", "off"}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = str(value).strip().lower()
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise forms.ValidationError(_("Give true or false."), code="invalid")


@extend_schema_field(OpenApiTypes.BOOL)
class FlagFilter(django_filters.BooleanFilter):
    field_class = FlagField


class ParamFilterSet(django_filters.FilterSet):
    """A FilterSet by the one rule: a parameter given empty is malformed, like a malformed value."""

    def is_valid(self):
        valid = super().is_valid()
        for name in self.filters:
            if given_blank(self.data, name):
                self.form.add_error(name, blank_message(name))
                valid = False
        return valid


class QuerySerializer(serializers.Serializer):
    """Query parameters read by a serializer, by the same rule as ParamFilterSet."""

    def to_internal_value(self, data):
        blank = {name: [blank_message(name)] for name in self.fields if given_blank(data, name)}
        if blank:
            raise serializers.ValidationError(blank)
        return super().to_internal_value(data)


class StrictUUIDField(serializers.UUIDField):
    """A UUID given as a string. DRF also takes a JSON integer (as UUID(int=…)): a client that
    sends one has a bug, and its "id" would silently become 00000000-…-000000003039."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid", value=data)
        return super().to_internal_value(data)


# Four decimal numbers, as the schema says (Python's float() would also take "1_0", "inf", "١").
BBOX_PATTERN = r"^-?[0-9]+(\.[0-9]+)?(,-?[0-9]+(\.[0-9]+)?){3}$"
BBOX_SCHEMA = {
    "type": "string",
    "pattern": BBOX_PATTERN,
    "example": "114.0,41.0,115.0,42.0",
    "description": "minlon,minlat,maxlon,maxlat in WGS 84, with minlon < maxlon and minlat < maxlat",
}
_BBOX = re.compile(BBOX_PATTERN)


class BBoxField(forms.CharField):
    """minlon,minlat,maxlon,maxlat in WGS 84."""

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        try:
            if not _BBOX.match(value):
                raise ValueError(value)
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


@extend_schema_field(BBOX_SCHEMA)
class BBoxFilter(django_filters.Filter):
    field_class = BBoxField

    def filter(self, qs, value):
        if value is None:
            return qs
        value.srid = 4326
        # `contained` compares bounding boxes, which the spatial index answers; for points it is exact.
        return qs.filter(**{f"{self.field_name}__contained": value})
