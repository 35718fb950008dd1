"""Read-only map layers. Boundaries are public administrative geography."""

import json

from django.contrib.gis.db.models.functions import AsGeoJSON
from django.http import JsonResponse
from django.utils.translation import gettext as _

from grid.models import Region, RegionLevel


def regions(request):
    """Boundaries of one level as GeoJSON, simplified for an overview map."""
    level = request.GET.get("level", RegionLevel.TOWNSHIP)
    if level not in RegionLevel.values:
        return JsonResponse(
            {"code": "invalid_level", "message": _("Unknown level “%(level)s”.") % {"level": level}}, status=400
        )
    rows = (
        Region.objects.filter(level=level)
        .annotate(geojson=AsGeoJSON("boundary", precision=5))
        .values("code", "name", "geojson")
    )
    features = [
        {
            "type": "Feature",
            "id": row["code"],
            "properties": {"code": row["code"], "name": row["name"]},
            "geometry": json.loads(row["geojson"]),
        }
        for row in rows
    ]
    return JsonResponse({"type": "FeatureCollection", "features": features})
