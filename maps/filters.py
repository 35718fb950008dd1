from django.utils.translation import gettext_lazy as _
from rest_framework_gis.filters import InBBoxFilter

from core.params import BBOX_SCHEMA

from . import layers, params


class BoxFilter(InBBoxFilter):
    """`bbox=minlon,minlat,maxlon,maxlat`: features whose bounding box meets the box.

    drf-gis's own filter answers a malformed box with its own message and, on SpatiaLite, would
    use MbrOverlaps (see layers.in_box); this one checks the box like the case filters do and
    uses the spatial index on both databases.
    """

    bbox_param = "bbox"

    def get_filter_bbox(self, request):
        return params.bbox(request.query_params, self.bbox_param)

    def filter_queryset(self, request, queryset, view):
        box = self.get_filter_bbox(request)
        return queryset if box is None else layers.in_box(queryset, box)

    def get_schema_operation_parameters(self, view):
        [parameter] = super().get_schema_operation_parameters(view)
        parameter["description"] = str(_("Only features whose bounding box meets minlon,minlat,maxlon,maxlat (WGS 84)"))
        # One comma-separated value, as it is read (drf-gis says an array, i.e. bbox=…&bbox=…).
        parameter["schema"] = {key: value for key, value in BBOX_SCHEMA.items() if key != "description"}
        return [parameter]
