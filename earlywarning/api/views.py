"""Thin views over the warnings: list with filters, detail with evidence, the three acts, and the
hot-cell layer. Every queryset starts from `Warning.objects.visible_to(user)`: a warning outside
the jurisdiction is 404, one the user may see but not act on is 403 (raised by the verb)."""

import json

import django_filters
from django.contrib.gis.db.models.functions import AsGeoJSON
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api_errors import ERRORS
from core.pagination import Pages
from core.params import BBoxField, DateTimeParamFilter, FlagFilter, ParamFilterSet
from disputes.api.filters import AreaFilter
from disputes.api.views import Authenticated
from disputes.models import Case
from grid.models import GridCell

from .. import services
from ..access import may_study, warning_scope
from ..models import OPEN_WARNING_STATES, HotCell, Level, Warning, WarningKind, WarningState
from . import serializers as s


class WarningFilter(ParamFilterSet):
    kind = django_filters.MultipleChoiceFilter(choices=WarningKind.choices, help_text=_("repeat for several kinds"))
    level = django_filters.MultipleChoiceFilter(choices=Level.choices)
    state = django_filters.MultipleChoiceFilter(choices=WarningState.choices)
    open = FlagFilter(method="filter_open", help_text=_("raised or studied"))
    region = AreaFilter(help_text=_("region or grid cell code"))
    raised_after = DateTimeParamFilter(field_name="raised_at", lookup_expr="gte")

    class Meta:
        model = Warning
        fields = []

    def filter_open(self, qs, name, value):
        if value is None:
            return qs
        return qs.filter(state__in=OPEN_WARNING_STATES) if value else qs.exclude(state__in=OPEN_WARNING_STATES)


def allowed_actions(user, warning):
    if not warning.is_open or not may_study(user, warning):
        return []
    return ["study", "act", "dismiss"]


ACT_RESPONSES = {200: OpenApiResponse(s.WarningDetailSerializer, description=_("done; the warning now")), **ERRORS}


@extend_schema_view(
    list=extend_schema(summary=_("Early warnings in your jurisdiction"), responses={200: s.WarningListSerializer}),
    retrieve=extend_schema(
        summary=_("One warning with its evidence, the cases behind it and its trail"),
        responses={200: s.WarningDetailSerializer, 404: ERRORS[404]},
    ),
)
class WarningViewSet(Authenticated, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = s.WarningListSerializer
    lookup_value_regex = r"\d+"  # anything else is an unknown path: a 404 in the error shape
    filterset_class = WarningFilter
    pagination_class = Pages

    def get_queryset(self):
        return Warning.objects.visible_to(self.request.user).order_by("-updated_at", "-pk")

    def detail_response(self, pk):
        warning = get_object_or_404(
            Warning.objects.visible_to(self.request.user)
            .select_related("linked_case")
            .prefetch_related("trail__actor"),
            pk=pk,
        )
        context = {**self.get_serializer_context(), "allowed": allowed_actions(self.request.user, warning)}
        return Response(s.WarningDetailSerializer(warning, context=context).data)

    def retrieve(self, request, pk=None):
        return self.detail_response(pk)

    def visible(self, pk):
        return get_object_or_404(Warning.objects.visible_to(self.request.user), pk=pk)

    def validated(self, serializer_class):
        data = serializer_class(data=self.request.data)
        data.is_valid(raise_exception=True)
        return dict(data.validated_data)

    @extend_schema(summary=_("Study (研判) a warning, with a note"), request=s.StudySerializer, responses=ACT_RESPONSES)
    @action(detail=True, methods=["post"], serializer_class=s.StudySerializer)
    def study(self, request, pk=None):
        warning = self.visible(pk)
        values = self.validated(s.StudySerializer)
        services.study(request.user, warning, note=values["note"], expected_version=values["version"])
        return self.detail_response(pk)

    @extend_schema(
        summary=_("Record how a warning was acted on: a case, joint handling or a supervision order"),
        request=s.WarningActSerializer,
        responses=ACT_RESPONSES,
    )
    @action(detail=True, methods=["post"], serializer_class=s.WarningActSerializer)
    def act(self, request, pk=None):
        warning = self.visible(pk)
        values = self.validated(s.WarningActSerializer)
        case = None
        if values.get("case"):
            case = Case.objects.visible_to(request.user).filter(number=values["case"]).first()
            if case is None:
                raise serializers.ValidationError({"case": [_("You can see no case with this number.")]})
        services.act_on(
            request.user,
            warning,
            act=values["act"],
            case=case,
            note=values.get("note", ""),
            expected_version=values["version"],
        )
        return self.detail_response(pk)

    @extend_schema(
        summary=_("Dismiss a warning, with the reason"), request=s.DismissSerializer, responses=ACT_RESPONSES
    )
    @action(detail=True, methods=["post"], serializer_class=s.DismissSerializer)
    def dismiss(self, request, pk=None):
        warning = self.visible(pk)
        values = self.validated(s.DismissSerializer)
        services.dismiss(request.user, warning, reason=values["reason"], expected_version=values["version"])
        return self.detail_response(pk)


class HotCellQuery(serializers.Serializer):
    bbox = serializers.CharField(help_text=_("minlon,minlat,maxlon,maxlat"))

    def validate_bbox(self, value):
        from django import forms

        try:
            return BBoxField().clean(value)
        except forms.ValidationError as error:
            raise serializers.ValidationError(error.messages) from None


class HotCellLayerView(Authenticated, APIView):
    """The hot-cell layer: cells in the box with a positive Gi* z-score in the last analysis."""

    MAX_FEATURES = 5000

    @extend_schema(
        summary=_("Hot cells (Gi* z-score of the last analysis) in a box, as GeoJSON"),
        parameters=[
            OpenApiParameter("bbox", OpenApiTypes.STR, required=True, description="minlon,minlat,maxlon,maxlat")
        ],
        responses={200: OpenApiTypes.OBJECT, 400: ERRORS[400], 401: ERRORS[401]},
    )
    def get(self, request):
        query = HotCellQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        box = query.validated_data["bbox"]
        box.srid = 4326
        # The same scope as the warnings: a hot cell's area code is the cell's.
        hot = HotCell.objects.filter(warning_scope(request.user)).values_list("cell_id", "z", "p", "count")
        hot = {cell: (z, p, n) for cell, z, p, n in hot}
        cells = (
            GridCell.objects.filter(pk__in=list(hot), boundary__bboverlaps=box)
            .annotate(shape=AsGeoJSON("boundary", precision=6))
            .values_list("pk", "code", "name", "shape")[: self.MAX_FEATURES]
        )
        features = [
            {
                "type": "Feature",
                "geometry": json.loads(shape),
                "properties": {"code": code, "name": name, "z": hot[pk][0], "p": hot[pk][1], "count": hot[pk][2]},
            }
            for pk, code, name, shape in cells
        ]
        return Response({"type": "FeatureCollection", "features": features})
