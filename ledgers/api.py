"""/api/ledgers/: the registers, and exports of them for the signed-in user."""

from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.authentication import PhoneTokenAuthentication
from core.api_errors import ERRORS
from core.errors import InvalidInput, NotReady

from . import services
from .models import Export, ExportFormat, ExportState
from .registers import REGISTERS

RECENT = 20
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ColumnSerializer(serializers.Serializer):
    header = serializers.CharField()
    kind = serializers.CharField()


class RegisterSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    columns = ColumnSerializer(many=True)


class ExportSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    download = serializers.SerializerMethodField()
    register_title = serializers.SerializerMethodField()

    class Meta:
        model = Export
        fields = [
            "id",
            "register",
            "register_title",
            "format",
            "filters",
            "state",
            "rows_total",
            "rows_done",
            "size",
            "error",
            "created_at",
            "finished_at",
            "url",
            "download",
        ]

    def get_url(self, export) -> str:
        return f"/api/ledgers/exports/{export.pk}/"

    def get_download(self, export) -> str | None:
        return f"/api/ledgers/exports/{export.pk}/file/" if export.state == ExportState.DONE else None

    def get_register_title(self, export) -> str:
        register = REGISTERS.get(export.register)
        return str(register.title) if register else export.register


class ExportRequestSerializer(serializers.Serializer):
    register = serializers.CharField(help_text=_("one of the registers' keys"))
    format = serializers.CharField(help_text=_("xlsx or csv"))
    filters = serializers.DictField(
        required=False,
        default=dict,
        help_text=_("the case list's filters (state, category, grade, region, unit, overdue, created_after, …)"),
    )


class Authenticated:
    authentication_classes = [PhoneTokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated]


class RegisterListView(Authenticated, APIView):
    @extend_schema(
        summary=_("The registers (台账) that can be exported"), responses={200: RegisterSerializer(many=True)}
    )
    def get(self, request):
        data = [
            {
                "key": register.key,
                "title": str(register.title),
                "columns": [{"header": str(c.header), "kind": c.kind} for c in register.columns],
            }
            for register in REGISTERS.values()
        ]
        return Response(data)


class ExportListView(Authenticated, APIView):
    @extend_schema(summary=_("My recent exports, newest first"), responses={200: ExportSerializer(many=True)})
    def get(self, request):
        exports = Export.objects.filter(user=request.user).order_by("-created_at")[:RECENT]
        return Response(ExportSerializer(exports, many=True).data)

    @extend_schema(
        summary=_("Export a register: queued, written in the background"),
        request=ExportRequestSerializer,
        responses={202: ExportSerializer, 400: ERRORS[400], 401: ERRORS[401]},
    )
    def post(self, request):
        data = ExportRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        filters = data.validated_data["filters"]
        if not all(isinstance(v, (str, int, float, bool, list)) for v in filters.values()):
            raise InvalidInput(fields={"filters": [_("Each filter is a value or a list of values.")]})
        filters = {name: [str(x) for x in v] if isinstance(v, list) else str(v) for name, v in filters.items()}
        export = services.request_export(
            request.user,
            register=data.validated_data["register"],
            format=data.validated_data["format"],
            filters=filters,
        )
        return Response(ExportSerializer(export).data, status=202)


class ExportDetailView(Authenticated, APIView):
    @extend_schema(
        summary=_("One of my exports: its state and progress"), responses={200: ExportSerializer, 404: ERRORS[404]}
    )
    def get(self, request, pk):
        return Response(ExportSerializer(get_object_or_404(Export, pk=pk, user=request.user)).data)


class ExportFileView(Authenticated, APIView):
    @extend_schema(
        summary=_("The file of a finished export"),
        responses={
            (200, XLSX): OpenApiResponse(OpenApiTypes.BINARY, description=_("the export's file, as an attachment")),
            (200, "text/csv"): OpenApiTypes.BINARY,
            404: ERRORS[404],
            409: OpenApiResponse(ERRORS[409].response, description=_("not_ready: the export is not finished yet")),
        },
    )
    def get(self, request, pk):
        export = get_object_or_404(Export, pk=pk, user=request.user)
        if export.state != ExportState.DONE:
            raise NotReady(_("The export is not finished yet."))
        register = REGISTERS[export.register]
        stamp = export.created_at.strftime("%Y%m%d-%H%M")
        name = f"{register.title}-{stamp}.{export.format}"
        content_type = {
            ExportFormat.XLSX: XLSX,
            ExportFormat.CSV: "text/csv; charset=utf-8",
        }[export.format]
        return FileResponse(
            open(services.path_of(export), "rb"),  # noqa: SIM115 - FileResponse closes it
            as_attachment=True,
            filename=name,
            content_type=content_type,
        )
