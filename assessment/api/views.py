"""GET /api/assessment/ and /api/assessment/trend/: the assessment of a region within the caller's
jurisdiction (centre operators and administrators: their region and below), for a month,
quarter or year."""

from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api_errors import ERRORS
from core.errors import NotAllowed, NotFound
from core.params import QuerySerializer
from disputes.api.views import Authenticated
from grid import jurisdiction

from .. import indicators, monthly, overview, periods, wall


@extend_schema_field({"type": "string", "pattern": periods.SCHEMA_PATTERN})
class PeriodField(serializers.CharField):
    pass


class AssessmentQuerySerializer(QuerySerializer):
    region = serializers.RegexField(
        r"^\d{12}$",
        required=False,
        help_text=_("a region within your jurisdiction (12-digit code); default: your top region"),
        error_messages={"invalid": _("A region code has 12 digits.")},
    )
    period = PeriodField(
        required=False, help_text=_("a month (2026-11), a quarter (2026-Q4) or a year (2026); default: this month")
    )

    def validate_period(self, value):
        period = periods.parse(value)
        if period is None:
            raise serializers.ValidationError(_("Give a month (2026-11), a quarter (2026-Q4) or a year (2026)."))
        return period


class TrendQuerySerializer(AssessmentQuerySerializer):
    indicator = serializers.ChoiceField(choices=list(indicators.INDICATORS), help_text=_("an indicator's key"))


class IndicatorSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    label = serializers.CharField()
    formula = serializers.CharField()
    unit = serializers.CharField()
    higher_is_better = serializers.BooleanField()
    value = serializers.FloatField(allow_null=True)
    previous = serializers.FloatField(allow_null=True)
    last_year = serializers.FloatField(allow_null=True)


class RankingRowSerializer(serializers.Serializer):
    key = serializers.CharField()
    code = serializers.CharField()
    name = serializers.CharField()
    score = serializers.FloatField()
    rank = serializers.IntegerField()
    previous_score = serializers.FloatField(allow_null=True)
    score_change = serializers.FloatField(allow_null=True)
    rank_change = serializers.IntegerField(allow_null=True)
    counts = serializers.DictField(child=serializers.FloatField())
    values = serializers.DictField(child=serializers.FloatField(allow_null=True))


class OverviewSerializer(serializers.Serializer):
    region = serializers.DictField()
    period = serializers.DictField()
    indicators = IndicatorSerializer(many=True)
    links = serializers.DictField(
        child=serializers.CharField(),
        help_text=_("the cases behind a number, on the map; for a month, the monthly report (HTML and PDF)"),
    )
    ranking_kind = serializers.ChoiceField(choices=["areas", "people"])
    ranking = RankingRowSerializer(many=True)
    units = RankingRowSerializer(many=True, help_text=_("the handling units in the region, ranked"))


class TrendPointSerializer(serializers.Serializer):
    period = serializers.CharField()
    value = serializers.FloatField(allow_null=True)


class TrendSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    label = serializers.CharField()
    unit = serializers.CharField()
    points = TrendPointSerializer(many=True)


def chosen(request, query_class):
    query = query_class(data=request.query_params)
    query.is_valid(raise_exception=True)
    data = query.validated_data
    allowed = jurisdiction.wall_regions(request.user)
    if not allowed:
        raise NotAllowed(
            _("Only centre operators and administrators, whose jurisdiction is a region, see assessments.")
        )
    region, problem = wall.choose_region(allowed, data.get("region"))
    if problem == "outside":
        raise NotAllowed(_("This region lies outside your jurisdiction."))
    if problem == "missing":
        raise NotFound(_("There is no region with this code."))
    return region, data.get("period") or periods.current_month(), data


ERROR_RESPONSES = {code: ERRORS[code] for code in (400, 401, 403, 404)}


class OverviewView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary=_("A region's assessment: indicators with the previous period and last year, and the ranking"),
        parameters=[AssessmentQuerySerializer],
        responses={200: OverviewSerializer, **ERROR_RESPONSES},
    )
    def get(self, request):
        region, period, _data = chosen(request, AssessmentQuerySerializer)
        return Response(OverviewSerializer(overview.overview(region, period)).data)


class TrendView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary=_("One indicator of a region for the 12 months ending with the period"),
        parameters=[TrendQuerySerializer],
        responses={200: TrendSerializer, **ERROR_RESPONSES},
    )
    def get(self, request):
        region, period, data = chosen(request, TrendQuerySerializer)
        return Response(TrendSerializer(overview.trend(region, period, data["indicator"])).data)


class MonthlyQuerySerializer(AssessmentQuerySerializer):
    output = serializers.ChoiceField(choices=["html", "pdf"], required=False, default="html")

    def validate_period(self, value):
        period = super().validate_period(value)
        if period.months != 1:
            raise serializers.ValidationError(_("The monthly report is for a month (2026-11)."))
        return period


class MonthlyReportView(APIView):
    """The monthly report (月报), print-ready HTML or PDF."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary=_("A region's monthly report (月报) as print-ready HTML or as PDF"),
        parameters=[MonthlyQuerySerializer],
        responses={(200, "text/html"): str, (200, "application/pdf"): bytes, **ERROR_RESPONSES},
    )
    def get(self, request):
        region, period, data = chosen(request, MonthlyQuerySerializer)
        if data["output"] == "pdf":
            response = HttpResponse(monthly.pdf(region, period), content_type="application/pdf")
            response["Content-Disposition"] = f'inline; filename="report-{region.code}-{period.code}.pdf"'
            return response
        return HttpResponse(monthly.html(region, period), content_type="text/html; charset=utf-8")


class MyFiguresSerializer(serializers.Serializer):
    reports = serializers.IntegerField(help_text=_("reports made"))
    on_spot_reports = serializers.IntegerField(help_text=_("matters settled on the spot"))
    verifications = serializers.IntegerField(help_text=_("verifications done"))
    verified_on_time = serializers.IntegerField(help_text=_("verifications done on time"))
    active_days = serializers.IntegerField(help_text=_("days with activity"))


class MyPlaceSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class MyUnitSerializer(MyPlaceSerializer):
    role = serializers.CharField()
    role_display = serializers.CharField()


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    name = serializers.CharField()
    units = MyUnitSerializer(many=True)
    cells = MyPlaceSerializer(many=True)
    month = serializers.CharField(help_text=_("the month of the figures, YYYY-MM"))
    figures = MyFiguresSerializer()


class MeView(Authenticated, APIView):
    """The signed-in person's own page ("我的"): their units and cells, and their figures this month."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary=_("Me: my units and grid cells, and my figures this month"),
        responses={200: MeSerializer, 401: ERRORS[401]},
    )
    def get(self, request):
        return Response(MeSerializer(overview.me(request.user)).data)
