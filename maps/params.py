"""The query parameters of the map layers, checked. A bad one is a 400 in the API's one error
shape ({"code", "message", "fields"}), with a code naming the parameter; given empty
(`?level=`) is malformed, not absent (core.params' one rule)."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core.params import BBoxField, InvalidParameter, blank_message, given_blank
from grid import codes
from grid.models import Region, RegionLevel

from .layers import DEFAULT_ZOOM, MAX_ZOOM, MIN_ZOOM

_WHOLE = re.compile(r"^\d{1,2}$")
TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off"}


def refuse_blank(params, name):
    if given_blank(params, name):
        raise InvalidParameter(name, blank_message(name))


def level(params, default=RegionLevel.TOWNSHIP):
    refuse_blank(params, "level")
    value = params.get("level") or default
    if value not in RegionLevel.values:
        raise InvalidParameter("level", _("Unknown level “%(level)s”.") % {"level": value})
    return value


def zoom(params):
    refuse_blank(params, "zoom")
    value = (params.get("zoom") or "").strip()
    if not value:
        return DEFAULT_ZOOM
    if not _WHOLE.match(value) or not MIN_ZOOM <= int(value) <= MAX_ZOOM:
        raise InvalidParameter(
            "zoom",
            _("The zoom must be a whole number from %(min)s to %(max)s (got “%(zoom)s”).")
            % {"min": MIN_ZOOM, "max": MAX_ZOOM, "zoom": value},
        )
    return int(value)


def bbox(params, name="bbox"):
    """A Polygon in WGS 84, or None when the parameter is absent."""
    refuse_blank(params, name)
    try:
        box = BBoxField(required=False).clean(params.get(name))
    except ValidationError as error:
        raise InvalidParameter(name, error.messages[0]) from None
    if box is not None:
        box.srid = 4326
    return box


def region(params, name):
    """The Region named by a 6-, 9- or 12-digit code, or None when the parameter is absent."""
    refuse_blank(params, name)
    value = (params.get(name) or "").strip()
    if not value:
        return None
    try:
        code = codes.normalize_region_code(value)
    except ValidationError as error:
        raise InvalidParameter(name, error.messages[0]) from None
    found = Region.objects.filter(code=code).only("code", "level").first()
    if found is None:
        raise InvalidParameter(name, _("No region has the code “%(code)s”.") % {"code": value})
    return found


def flag(params, name):
    refuse_blank(params, name)
    value = (params.get(name) or "").strip().lower()
    if value in TRUE:
        return True
    if not value or value in FALSE:
        return False
    raise InvalidParameter(name, _("Give %(name)s as 1 or 0.") % {"name": name})
