"""Read-only map layers as GeoJSON FeatureCollections.

Boundaries are public administrative geography; grid cells name the people who patrol them,
so they need sign-in and are scoped to the user's jurisdiction. Both answer with an ETag
(a hash of the body: the rows carry no modification time, so a cheaper validator would miss
changes) and honour If-None-Match. Bodies are sent gzipped to clients that accept it (8 to 13
times fewer bytes); only these views compress, since GZipMiddleware on pages that carry a CSRF
token would open them to BREACH.
"""

import re

from django.conf import settings
from django.db.models import F
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers, set_response_etag
from django.utils.text import compress_string
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from accounts.authentication import PhoneTokenAuthentication
from core.api_errors import ErrorSerializer
from core.errors import InvalidInput
from core.params import InvalidParameter
from disputes.api.filters import CaseFilter
from disputes.models import Case
from grid.models import GridCell, Region, RegionLevel

from . import casemap, layers, params
from .filters import BoxFilter
from .serializers import CellFeatureSerializer, RegionFeatureSerializer

ZOOM = OpenApiParameter(
    "zoom",
    {"type": "integer", "minimum": layers.MIN_ZOOM, "maximum": layers.MAX_ZOOM},
    description=_("map zoom, 0–22: picks the simplification and the precision (default 14)"),
)
ERROR = ErrorSerializer  # the API's one error shape, the shared `Error` component
# Both layers answer with an ETag and honour If-None-Match (Layer.finalize_response).
CONDITIONAL = [
    OpenApiParameter(
        "If-None-Match",
        str,
        OpenApiParameter.HEADER,
        description=_("the ETag of the layer you hold: 304 without a body while it is current"),
    ),
    OpenApiParameter("ETag", str, OpenApiParameter.HEADER, response=[200, 304], description=_("the layer's version")),
]
NOT_MODIFIED = OpenApiResponse(description=_("not modified: the ETag sent as If-None-Match is current"))
DEFAULT_MAX_CELLS = 5000
# Bodies this short are not worth compressing (as GZipMiddleware).
MIN_GZIP_BYTES = 200
_ACCEPTS_GZIP = re.compile(r"\bgzip\b")


def max_cells():
    """settings.MAPS_MAX_CELLS: the most cells one response may hold (0 or None: no limit)."""
    return getattr(settings, "MAPS_MAX_CELLS", DEFAULT_MAX_CELLS)


class TooManyCells(InvalidInput):
    code = "too_many_cells"

    def __init__(self, limit):
        message = gettext(
            "This view holds more than %(limit)s grid cells. Zoom in or choose a smaller area (bbox or region)."
        ) % {"limit": limit}
        super().__init__(message, fields={"bbox": [message]})


class Layer(generics.ListAPIView):
    """A whole layer in one response (no pages): the client narrows it with bbox and zoom."""

    renderer_classes = [JSONRenderer]
    filter_backends = [BoxFilter]
    pagination_class = None
    cache_control = {}
    vary = ()
    zoom = layers.DEFAULT_ZOOM

    def list(self, request, *args, **kwargs):
        self.zoom = params.zoom(request.query_params)
        rows = layers.draw(self.fetch(self.filter_queryset(self.get_queryset())), self.zoom)
        return Response(self.get_serializer(rows, many=True).data)

    def fetch(self, queryset):
        return list(queryset)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if request.method in ("GET", "HEAD") and response.status_code == 200:
            response.render()
            patch_cache_control(response, **self.cache_control)
            patch_vary_headers(response, (*self.vary, "Accept-Encoding"))
            set_response_etag(response)
            gzipped = len(response.content) >= MIN_GZIP_BYTES and _ACCEPTS_GZIP.search(
                request.META.get("HTTP_ACCEPT_ENCODING", "")
            )
            if gzipped:
                # Another encoding of the same content: a weak tag, as GZipMiddleware makes it. The
                # 304 check (weak comparison) then matches either tag, before any compressing.
                response["ETag"] = f"W/{response['ETag']}"
            response = get_conditional_response(request, etag=response["ETag"], response=response)
            if gzipped and response.status_code == 200:
                response.content = compress_string(response.content)
                response["Content-Length"] = str(len(response.content))
                response["Content-Encoding"] = "gzip"
        return response


@extend_schema(
    summary=_("Boundaries of one level of regions as GeoJSON"),
    parameters=[
        OpenApiParameter("level", str, enum=RegionLevel.values, description=_("default: township")),
        OpenApiParameter("within", str, description=_("only regions inside the region with this code")),
        ZOOM,
        *CONDITIONAL,
    ],
    responses={
        200: RegionFeatureSerializer(many=True),
        304: NOT_MODIFIED,
        400: OpenApiResponse(ERROR, description=_("invalid input")),
    },
)
class RegionLayer(Layer):
    authentication_classes = []
    permission_classes = [AllowAny]
    serializer_class = RegionFeatureSerializer
    cache_control = {"public": True, "max_age": 300}

    def get_queryset(self):
        query = self.request.query_params
        regions = Region.objects.filter(level=params.level(query))
        within = params.region(query, "within")
        if within is not None:
            regions = regions.within(within)
        regions = regions.only("code", "name", "level").annotate(parent_code=F("parent__code"))
        return layers.with_shapes(regions, self.zoom).order_by("code")


@extend_schema(
    summary=_("Grid cells in your jurisdiction as GeoJSON, with their gridworkers"),
    parameters=[
        OpenApiParameter("region", str, description=_("only cells inside the region with this code")),
        OpenApiParameter("mine", OpenApiTypes.BOOL, description=_("1: only the cells you are assigned to")),
        ZOOM,
        *CONDITIONAL,
    ],
    responses={
        200: CellFeatureSerializer(many=True),
        304: NOT_MODIFIED,
        400: OpenApiResponse(
            ERROR, description=_("invalid input, or too_many_cells: the view holds more cells than one response may")
        ),
        401: OpenApiResponse(ERROR, description=_("not authenticated")),
    },
)
class CellLayer(Layer):
    # Token first, as in the API, so that an anonymous call is answered 401.
    authentication_classes = [PhoneTokenAuthentication, SessionAuthentication]
    serializer_class = CellFeatureSerializer
    cache_control = {"private": True, "max_age": 60}
    vary = ("Authorization", "Cookie")

    def get_queryset(self):
        query = self.request.query_params
        cells = layers.cells_visible_to(self.request.user, layers.MapCells(GridCell))
        inside = params.region(query, "region")
        if inside is not None:
            cells = cells.within(inside)
        if params.flag(query, "mine"):
            cells = cells.filter(pk__in=layers.cells_of(self.request.user))
        cells = (
            cells.only("code", "name", "kind", "households")
            .annotate(village_code=F("village__code"), village_name=F("village__name"))
            .with_people()
        )
        return layers.with_shapes(cells, self.zoom).order_by("code")

    def fetch(self, queryset):
        """The cells with their people; TooManyCells (400) when the view holds more than max_cells()."""
        limit = max_cells()
        if not limit:
            return list(queryset)
        # Without the names first, so that a refused view does not read them.
        rows = list(queryset.prefetch_related(None)[: limit + 1])
        if len(rows) > limit:
            raise TooManyCells(limit)
        layers.attach_people(rows, queryset)
        return rows


CASE_MAP = {
    "type": "object",
    "required": ["type", "source", "zoom", "count", "features"],
    "properties": {
        "type": {"type": "string", "enum": ["FeatureCollection"]},
        "source": {
            "type": "string",
            "enum": ["summary", "cases", "points"],
            "description": "summary: clusters from the per-square counts; cases: clusters grouped from the "
            "matching cases; points: one feature per case",
        },
        "zoom": {"type": "integer"},
        "count": {"type": "integer", "description": "the cases the features stand for"},
        "features": {
            "type": "array",
            "items": {
                "type": "object",
                "description": "a cluster (properties.cluster true, properties.count) or a case as in "
                "/api/cases/geojson/",
            },
        },
    },
}


@extend_schema(
    summary=_("Cases in view at a zoom: clusters with exact counts, single cases at street zoom"),
    parameters=[ZOOM, *CONDITIONAL[:1]],
    responses={
        200: OpenApiResponse(CASE_MAP, description=_("a FeatureCollection of clusters or of cases")),
        304: NOT_MODIFIED,
        400: OpenApiResponse(ERROR, description=_("invalid input")),
        401: OpenApiResponse(ERROR, description=_("not authenticated")),
    },
)
class CaseLayer(Layer):
    """The mediator's case layer by view: maps/casemap.py decides how each view is answered."""

    authentication_classes = [PhoneTokenAuthentication, SessionAuthentication]
    filter_backends = [DjangoFilterBackend]
    filterset_class = CaseFilter
    cache_control = {"private": True, "no_cache": True}  # cases change: revalidate (304) every time
    vary = ("Authorization", "Cookie")

    def get_queryset(self):
        return Case.objects.visible_to(self.request.user)

    def list(self, request, *args, **kwargs):
        query = request.query_params
        box = params.bbox(query)
        if box is None:
            raise InvalidParameter("bbox", gettext("Give the view as bbox=minlon,minlat,maxlon,maxlat."))
        zoom = params.zoom(query)
        cases = self.filter_queryset(self.get_queryset())  # checks every filter, and the box
        if zoom >= casemap.POINTS_FROM_ZOOM:
            # The features of /api/cases/geojson/ (CaseGeoSerializer), built from plain values.
            latest = cases.order_by("-created_at", "-pk")[: casemap.MAX_POINTS + 1]
            features = casemap.point_features(latest, timezone.now())
            if len(features) <= casemap.MAX_POINTS:
                return Response(self.collection("points", zoom, len(features), features))
        summary = casemap.summary_can_answer(query, request.user, zoom)
        if summary is not None:
            level, prefixes = summary
            found = casemap.clusters_from_summary(
                level, prefixes, box, zoom, states=query.getlist("state"), grades=query.getlist("grade")
            )
            source = "summary"
        else:
            found = casemap.clusters_from_cases(cases, zoom)
            source = "cases"
        features = [casemap.cluster_feature(*row) for row in found]
        return Response(self.collection(source, zoom, sum(row[2] for row in found), features))

    @staticmethod
    def collection(source, zoom, count, features):
        return {"type": "FeatureCollection", "source": source, "zoom": zoom, "count": count, "features": features}
