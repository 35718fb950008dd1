"""The desk's API: thin views over `desk.places` and `desk.services`; errors in the project's one shape."""

from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api_errors import ERRORS
from core.errors import InvalidInput, NotFound
from core.params import QuerySerializer
from disputes import reference
from disputes.api.serializers import PartyInputSerializer, StrictUUIDField
from disputes.api.views import Authenticated
from disputes.identity import mask
from disputes.models import Case
from grid.location import CoordinateError, make_point
from grid.models import Unit

from . import hotline, places, services
from .models import Outcome, ServiceItem


class PlaceSerializer(serializers.Serializer):
    kind = serializers.CharField()
    id = serializers.IntegerField()
    name = serializers.CharField()
    detail = serializers.CharField()
    lon = serializers.FloatField()
    lat = serializers.FloatField()


class DeskCaseSerializer(serializers.ModelSerializer):
    state_display = serializers.CharField(source="get_state_display")
    category = serializers.CharField(source="category.name")
    unit = serializers.CharField(source="current_unit.name")

    class Meta:
        model = Case
        fields = ["id", "number", "state", "state_display", "category", "unit", "created_at", "description", "version"]


class HistorySerializer(serializers.Serializer):
    repeat = serializers.BooleanField()
    open = serializers.IntegerField()
    cases = DeskCaseSerializer(many=True)


class CallInputSerializer(serializers.Serializer):
    id = StrictUUIDField()
    source = serializers.ChoiceField(choices=[(s, s) for s in services.DESK_SOURCES])
    contact_name = serializers.CharField(max_length=50, required=False, allow_blank=True)
    contact_phone = serializers.CharField(max_length=30)
    caller_id_number = serializers.CharField(max_length=18, required=False, allow_blank=True)
    on_behalf_of = serializers.CharField(
        max_length=50, required=False, allow_blank=True, help_text=_("the resident a village agent acts for (代理)")
    )
    description = serializers.CharField()
    category = serializers.CharField(max_length=20)
    lon = serializers.FloatField(min_value=-180, max_value=180)
    lat = serializers.FloatField(min_value=-90, max_value=90)
    occurred_at = serializers.DateTimeField(required=False)
    severity = serializers.IntegerField(required=False)
    parties = PartyInputSerializer(many=True, required=False)
    outcome = serializers.ChoiceField(choices=Outcome.choices, required=False, default=Outcome.ROUTED)
    result = serializers.CharField(required=False, allow_blank=True)
    unit = serializers.CharField(required=False, allow_blank=True, help_text=_("unit code, to assign by hand"))
    reason = serializers.CharField(required=False, allow_blank=True)
    into = serializers.IntegerField(required=False, allow_null=True, help_text=_("case id, to attach the call to"))


class CallReceiptSerializer(serializers.Serializer):
    report = serializers.UUIDField(source="report.id")
    on_behalf_of = serializers.CharField(source="report.on_behalf_of")
    outcome = serializers.CharField()
    caller_id_number = serializers.SerializerMethodField()
    case = DeskCaseSerializer()
    verification_code = serializers.CharField(source="case.verification_code")

    def get_caller_id_number(self, receipt) -> str:
        return mask(receipt["caller_id_number"])


class PlaceQuery(QuerySerializer):
    q = serializers.CharField(required=False, allow_blank=True, help_text=_("a name, its pinyin or initials"))


class PhoneQuery(QuerySerializer):
    phone = serializers.CharField(required=False, allow_blank=True)


class SimilarQuery(QuerySerializer):
    category = serializers.CharField(help_text=_("category code"))
    lon = serializers.FloatField()
    lat = serializers.FloatField()


def read_query(serializer_class, request):
    query = serializer_class(data=request.query_params)
    query.is_valid(raise_exception=True)
    return query.validated_data


class PlaceSearchView(Authenticated, APIView):
    @extend_schema(
        summary=_("Regions, grid cells and places by name or pinyin"),
        parameters=[PlaceQuery],
        responses={200: PlaceSerializer(many=True), 400: ERRORS[400], 401: ERRORS[401]},
    )
    def get(self, request):
        query = read_query(PlaceQuery, request)
        return Response(PlaceSerializer(places.search(request.user, query.get("q")), many=True).data)


class CallerHistoryView(Authenticated, APIView):
    @extend_schema(
        summary=_("The cases of a phone number in your jurisdiction"),
        parameters=[PhoneQuery],
        responses={200: HistorySerializer, 400: ERRORS[400], 401: ERRORS[401]},
    )
    def get(self, request):
        query = read_query(PhoneQuery, request)
        return Response(HistorySerializer(services.caller_history(request.user, query.get("phone"))).data)


class SimilarCasesView(Authenticated, APIView):
    @extend_schema(
        summary=_("Open cases a call may be a duplicate of"),
        parameters=[SimilarQuery],
        responses={200: DeskCaseSerializer(many=True), 400: ERRORS[400], 401: ERRORS[401]},
    )
    def get(self, request):
        params = read_query(SimilarQuery, request)
        try:
            point = make_point(params["lon"], params["lat"])
        except CoordinateError as error:
            raise InvalidInput(str(error), fields={"lon": [str(error)], "lat": [str(error)]}) from None
        category = reference.active_category(params["category"])
        if category is None:
            raise InvalidInput(fields={"category": [str(_("Choose a category."))]})
        found = services.similar_cases(request.user, category, point)
        return Response(DeskCaseSerializer(found, many=True).data)


class CallView(Authenticated, APIView):
    @extend_schema(
        summary=_("Take a call or a walk-in (safe to retry with the same id)"),
        request=CallInputSerializer,
        responses={
            201: CallReceiptSerializer,
            200: CallReceiptSerializer,
            **{code: ERRORS[code] for code in (400, 401, 403, 404, 409)},
        },
    )
    def post(self, request):
        serializer = CallInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if data.get("unit"):
            data["unit"] = Unit.objects.filter(code=data["unit"], active=True).first()
            if data["unit"] is None:
                raise InvalidInput(fields={"unit": [str(_("Choose an active unit."))]})
        if data.get("into"):
            data["into"] = Case.objects.visible_to(request.user).filter(pk=data["into"]).first()
            if data["into"] is None:
                raise NotFound()
        result, call = services.take_call(request.user, data)
        receipt = {
            "report": result.report,
            "outcome": call.outcome if call else Outcome.ROUTED,
            "caller_id_number": call.caller_id_number if call else "",
            "case": result.case,
        }
        return Response(
            CallReceiptSerializer(receipt).data,
            status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK,
        )


class MatterInputSerializer(serializers.Serializer):
    id = StrictUUIDField()
    source = serializers.ChoiceField(choices=[("window", "window"), ("agent", "agent")])
    item = serializers.IntegerField(help_text=_("service item id"))
    resident_name = serializers.CharField(max_length=50)
    contact_phone = serializers.CharField(max_length=30)
    resident_id_number = serializers.CharField(max_length=18, required=False, allow_blank=True)
    lon = serializers.FloatField(min_value=-180, max_value=180)
    lat = serializers.FloatField(min_value=-90, max_value=90)
    received = serializers.ListField(child=serializers.CharField(max_length=200), required=False)
    note = serializers.CharField(required=False, allow_blank=True)
    on_behalf_of = serializers.CharField(
        max_length=50, required=False, allow_blank=True, help_text=_("the resident a village agent acts for (代理)")
    )
    occurred_at = serializers.DateTimeField(required=False)


class NoticeLinksSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    items = serializers.ListField(child=serializers.CharField())
    html = serializers.CharField()
    pdf = serializers.CharField()


class MatterReceiptSerializer(serializers.Serializer):
    case = DeskCaseSerializer()
    verification_code = serializers.CharField()
    item = serializers.CharField()
    received = serializers.ListField(child=serializers.CharField())
    notice = NoticeLinksSerializer(allow_null=True)


def notice_links(notice):
    if notice is None:
        return None
    return {
        "id": notice.pk,
        "items": notice.items,
        "html": reverse("desk-notice", args=[notice.pk]),
        "pdf": reverse("desk-notice-pdf", args=[notice.pk]),
    }


class MatterView(Authenticated, APIView):
    @extend_schema(
        summary=_("Open a service matter from the catalogue (safe to retry with the same id)"),
        request=MatterInputSerializer,
        responses={200: MatterReceiptSerializer, **{code: ERRORS[code] for code in (400, 401, 403, 409)}},
    )
    def post(self, request):
        serializer = MatterInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data["item"] = ServiceItem.objects.select_related("category").filter(pk=data["item"], active=True).first()
        matter = services.open_service_matter(request.user, data)
        case = matter.case
        notice = case.supplement_notices.order_by("-issued_at", "-pk").first()
        receipt = {
            "case": case,
            "verification_code": case.verification_code,
            "item": matter.item.name,
            "received": matter.received,
            "notice": notice_links(notice),
        }
        return Response(MatterReceiptSerializer(receipt).data)


# --- 12345 work orders --------------------------------------------------------------------


class OrderFileSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=_("the platform's export: CSV in UTF-8 or GBK"))
    columns = serializers.JSONField(
        required=False, binary=True, help_text=_("field → header of the file; remembered for your unit on import")
    )


class OrderRowSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    number = serializers.CharField()
    status = serializers.ChoiceField(choices=[(s, s) for s in hotline.STATUSES])
    status_display = serializers.SerializerMethodField()
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
    warnings = serializers.ListField(child=serializers.CharField())
    category = serializers.CharField()
    place = serializers.CharField()
    case = serializers.CharField(source="case.number", allow_null=True, default=None)

    def get_status_display(self, row) -> str:
        return str(hotline.STATUSES[row.status])


class OrderFieldSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    required = serializers.BooleanField()


class OrderOutcomeSerializer(serializers.Serializer):
    counts = serializers.DictField(child=serializers.IntegerField())
    columns = serializers.DictField(child=serializers.CharField(allow_blank=True))
    headers = serializers.ListField(child=serializers.CharField(allow_blank=True))
    fields = OrderFieldSerializer(many=True, source="specs", help_text=_("the fields a column may be mapped to"))
    rows = OrderRowSerializer(many=True)


class ResultsQuery(QuerySerializer):
    since = serializers.DateTimeField(required=False, help_text=_("only orders imported since"))


def _order_file(request):
    serializer = OrderFileSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    upload = serializer.validated_data["file"]
    return upload.read(), upload.name or "", serializer.validated_data.get("columns")


def _outcome(outcome):
    return {
        "counts": outcome.counts(),
        "columns": outcome.columns,
        "headers": outcome.headers,
        "specs": hotline.FIELDS,
        "rows": outcome.rows,
    }


class OrderPreviewView(Authenticated, APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        summary=_("Check a 12345 file row by row; nothing is written"),
        request={"multipart/form-data": OrderFileSerializer},
        responses={200: OrderOutcomeSerializer, **{code: ERRORS[code] for code in (400, 401, 403)}},
    )
    def post(self, request):
        outcome = hotline.preview(request.user, *_order_file(request))
        return Response(OrderOutcomeSerializer(_outcome(outcome)).data)


class OrderImportView(Authenticated, APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        summary=_("Import the good rows of a 12345 file (an order imported before is never imported again)"),
        request={"multipart/form-data": OrderFileSerializer},
        responses={200: OrderOutcomeSerializer, **{code: ERRORS[code] for code in (400, 401, 403)}},
    )
    def post(self, request):
        outcome = hotline.import_orders(request.user, *_order_file(request))
        return Response(OrderOutcomeSerializer(_outcome(outcome)).data)


class OrderResultsView(Authenticated, APIView):
    @extend_schema(
        summary=_("The results of the imported work orders, as CSV for the 12345 platform"),
        parameters=[ResultsQuery],
        responses={(200, "text/csv"): OpenApiTypes.BINARY, 400: ERRORS[400], 401: ERRORS[401]},
    )
    def get(self, request):
        query = read_query(ResultsQuery, request)
        response = HttpResponse(hotline.results_csv(request.user, query.get("since")), content_type="text/csv")
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="12345-results-{stamp}.csv"'
        return response
