"""Where a call is about: a searchable picker over the regions, grid cells and places a clerk
works in, each answered with a point that `grid.locate` will place (no online geocoder)."""

import csv
import functools
import json

from django.contrib.gis.geos import Point
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

import grid
from core.errors import InvalidInput
from disputes.categories import search_terms
from grid import jurisdiction
from grid.models import GridCell, Region

from .models import Place, PlaceKind

LIMIT = 12


@functools.lru_cache(maxsize=20_000)
def _terms(name):
    return search_terms(name)


def _prefixes(user):
    """The code prefixes of the places the user works in; None for everywhere (also for the public,
    `user` None: the names of villages, cells and landmarks are no secret)."""
    if user is None:
        return None
    holder = jurisdiction.of(user)
    return None if holder.everything else holder.areas


def _scoped(queryset, field, prefixes):
    if prefixes is None:
        return queryset
    scope = Q(pk__in=[])
    for prefix in prefixes:
        scope |= Q(**{f"{field}__startswith": prefix})
    return queryset.filter(scope)


def _matches(name, terms, query):
    return query in name.lower() or any(term.startswith(query) for term in terms.split())


def search(user, query, limit=LIMIT):
    """Regions, cells and places whose name (or its pinyin or initials) matches `query`, as
    [{kind, id, name, detail, lon, lat}], regions first, then cells, then places."""
    query = "".join(str(query or "").split()).lower()
    if not query:
        return []
    prefixes = _prefixes(user)
    found = []
    areas = [
        ("region", _scoped(Region.objects.all(), "code", prefixes).only("pk", "name", "code", "level")),
        ("cell", _scoped(GridCell.objects.all(), "code", prefixes).only("pk", "name", "code")),
    ]
    for kind, rows in areas:
        hits = [row for row in rows.order_by("code") if _matches(row.name, _terms(row.name), query)][:limit]
        model = rows.model
        boundaries = dict(model.objects.filter(pk__in=[row.pk for row in hits]).values_list("pk", "boundary"))
        for row in hits:
            point = boundaries[row.pk].point_on_surface
            detail = row.get_level_display() if kind == "region" else _("grid cell %(code)s") % {"code": row.code}
            found.append(
                {"kind": kind, "id": row.pk, "name": row.name, "detail": detail, "lon": point.x, "lat": point.y}
            )
    places = _scoped(Place.objects.select_related("region"), "region__code", prefixes)
    places = places.filter(Q(name__icontains=query) | Q(terms__icontains=query)).order_by("name")[:limit]
    for place in places:
        found.append(
            {
                "kind": "place",
                "id": place.pk,
                "name": place.name,
                "detail": f"{place.get_kind_display()} · {place.region.name}",
                "lon": place.point.x,
                "lat": place.point.y,
            }
        )
    return found


# --- import -----------------------------------------------------------------------------


def read_rows(path):
    """(name, kind, lon, lat) from a CSV with columns name, kind, lon, lat, or a GeoJSON of points
    whose properties hold name and kind."""
    if str(path).lower().endswith((".geojson", ".json")):
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
        for feature in data.get("features", []):
            geometry = feature.get("geometry") or {}
            properties = feature.get("properties") or {}
            lon, lat = (geometry.get("coordinates") or [None, None])[:2]
            yield properties.get("name"), properties.get("kind"), lon, lat
        return
    with open(path, encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            yield row.get("name"), row.get("kind"), row.get("lon"), row.get("lat")


@transaction.atomic
def import_places(rows):
    """Create or update places from (name, kind, lon, lat) rows; all or nothing.

    Returns (created, updated). A row whose point lies outside every boundary, or with no name,
    is refused with its line number and nothing is written.
    """
    errors = {}
    prepared = []
    for line, (name, kind, lon, lat) in enumerate(rows, start=1):
        name = (name or "").strip()
        kind = (kind or PlaceKind.LANDMARK).strip()
        if not name:
            errors[f"rows[{line}]"] = [_("A place needs a name.")]
            continue
        if kind not in PlaceKind.values:
            errors[f"rows[{line}]"] = [_("Unknown kind of place “%(kind)s”.") % {"kind": kind}]
            continue
        try:
            lon, lat = float(lon), float(lat)
            location = grid.locate(lon, lat)
        except (TypeError, ValueError):
            location = None
        if not location:
            errors[f"rows[{line}]"] = [_("%(name)s lies outside every boundary this system serves.") % {"name": name}]
            continue
        region = location.village or location.township or location.county
        prepared.append((name, kind, Point(lon, lat, srid=4326), region))
    if errors:
        raise InvalidInput(fields=errors)
    created = updated = 0
    for name, kind, point, region in prepared:
        _place, new = Place.objects.update_or_create(
            region=region, kind=kind, name=name, defaults={"point": point, "terms": search_terms(name)}
        )
        created += new
        updated += not new
    return created, updated
