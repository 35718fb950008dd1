"""The resident's API under /r/api/: no account, thin views over residents.services."""

from django import forms
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api_errors import ERRORS, ErrorSerializer
from core.clients import client_address
from core.errors import InvalidInput
from core.params import BBoxField, InvalidParameter
from disputes import categories
from disputes.api.serializers import CategoryNodeSerializer
from disputes.api.views import ResidentCaseThrottle, ResidentThrottle
from disputes.models import Satisfaction
from disputes.photos import store_photo

from . import limits, services


class Anonymous(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]


def valid(serializer_class, data):
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class ResidentPhoneSerializer(serializers.Serializer):
    phone = serializers.CharField(max_length=20)


class ResidentVerifySerializer(ResidentPhoneSerializer):
    code = serializers.CharField(max_length=8)


class ResidentReportSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    token = serializers.CharField(max_length=500)
    category = serializers.CharField(max_length=20)
    description = serializers.CharField(max_length=2000, allow_blank=True)
    lon = serializers.FloatField(min_value=-180, max_value=180)
    lat = serializers.FloatField(min_value=-90, max_value=90)
    accuracy_m = serializers.FloatField(required=False, allow_null=True, min_value=0)
    photos = serializers.ListField(
        child=serializers.RegexField(r"^[0-9a-f]{64}$"), required=False, max_length=6, default=list
    )


class ResidentRatingSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=8)
    satisfaction = serializers.ChoiceField(choices=Satisfaction.choices)
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class ResidentComplaintSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=8)
    text = serializers.CharField(max_length=2000, allow_blank=True)


class ResidentTokenSerializer(serializers.Serializer):
    token = serializers.CharField()


class ResidentSentSerializer(serializers.Serializer):
    sent = serializers.BooleanField()


class ResidentPhotoUploadSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=500)
    file = serializers.FileField()


class ResidentPhotoSerializer(serializers.Serializer):
    sha256 = serializers.CharField()


class ResidentReceiptSerializer(serializers.Serializer):
    number = serializers.CharField()
    code = serializers.CharField()
    created = serializers.BooleanField()


class ResidentPlaceSerializer(serializers.Serializer):
    name = serializers.CharField()
    within = serializers.CharField()
    lon = serializers.FloatField()
    lat = serializers.FloatField()


class ResidentTimelineSerializer(serializers.Serializer):
    action = serializers.CharField()
    label = serializers.CharField()
    unit = serializers.CharField()
    at = serializers.DateTimeField()


class ResidentCaseSerializer(serializers.Serializer):
    number = serializers.CharField()
    state = serializers.CharField()
    state_display = serializers.CharField()
    category = serializers.CharField()
    created_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    rating = serializers.CharField(allow_blank=True)
    can_rate = serializers.BooleanField()
    can_complain = serializers.BooleanField()
    timeline = ResidentTimelineSerializer(many=True)


class MapCellSerializer(serializers.Serializer):
    village = serializers.CharField()
    cell = serializers.CharField()
    lon = serializers.FloatField()
    lat = serializers.FloatField()
    open = serializers.IntegerField()
    closed = serializers.IntegerField()
    total = serializers.IntegerField()


CODE = OpenApiParameter("code", str, required=True, description="the verification code")


class CategoriesView(Anonymous):
    @extend_schema(summary="The categories a resident picks from", responses=CategoryNodeSerializer(many=True), auth=[])
    def get(self, request):
        return Response(CategoryNodeSerializer(categories.active_tree(), many=True).data)


class PlacesView(Anonymous):
    throttle_classes = [ResidentThrottle]

    @extend_schema(
        summary="Villages and grid cells by name (the typed way to say where)",
        parameters=[OpenApiParameter("q", str, required=True, description="part of the name")],
        responses={200: ResidentPlaceSerializer(many=True)},
        auth=[],
    )
    def get(self, request):
        query = request.query_params.get("q", "").strip()
        if not query or len(query) > 50:
            raise InvalidParameter("q", _("Type part of a village's or grid cell's name (at most 50 characters)."))
        return Response(services.places(query))


class CodeView(Anonymous):
    @extend_schema(
        summary="Send a verification code to a phone",
        request=ResidentPhoneSerializer,
        responses={202: ResidentSentSerializer, 400: ERRORS[400], 429: ErrorSerializer},
        auth=[],
    )
    def post(self, request):
        data = valid(ResidentPhoneSerializer, request.data)
        services.request_code(data["phone"], address=client_address(request))
        return Response({"sent": True}, status=202)


class VerifyView(Anonymous):
    @extend_schema(
        summary="Prove a phone with its code: a token for reporting",
        request=ResidentVerifySerializer,
        responses={200: ResidentTokenSerializer, 400: ERRORS[400], 429: ErrorSerializer},
        auth=[],
    )
    def post(self, request):
        data = valid(ResidentVerifySerializer, request.data)
        limits.spend("verify-address", client_address(request), services.rate("resident_code_address", "20/hour"))
        return Response({"token": services.verify_code(data["phone"], data["code"])})


class PhotoView(Anonymous):
    parser_classes = [MultiPartParser]

    @extend_schema(
        summary="Upload a photo for a report (with the phone's token)",
        request={"multipart/form-data": ResidentPhotoUploadSerializer},
        responses={201: ResidentPhotoSerializer, 200: ResidentPhotoSerializer, 400: ERRORS[400], 429: ErrorSerializer},
        auth=[],
    )
    def post(self, request):
        data = valid(ResidentPhotoUploadSerializer, request.data)
        services.verified_phone(data["token"])
        limits.spend("photo-address", client_address(request), services.rate("resident_photo_address", "60/hour"))
        try:
            photo, created = store_photo(services.channel_account(), data["file"])
        except InvalidInput as error:
            error.fields = {("file" if name == "photo" else name): value for name, value in error.fields.items()}
            raise
        return Response({"sha256": photo.sha256}, status=201 if created else 200)


class ReportView(Anonymous):
    @extend_schema(
        summary="A resident's report",
        request=ResidentReportSerializer,
        responses={
            201: ResidentReceiptSerializer,
            200: ResidentReceiptSerializer,
            400: ERRORS[400],
            403: ERRORS[403],
            409: ERRORS[409],
            429: ErrorSerializer,
        },
        auth=[],
    )
    def post(self, request):
        data = valid(ResidentReportSerializer, request.data)
        token = data.pop("token")
        result = services.submit_report(data, token=token, address=client_address(request))
        body = {"number": result.case.number, "code": result.case.verification_code, "created": result.created}
        return Response(body, status=201 if result.created else 200)


class CaseView(Anonymous):
    throttle_classes = [ResidentThrottle, ResidentCaseThrottle]

    @extend_schema(
        summary="Follow a matter by its number and verification code",
        parameters=[CODE],
        responses={200: ResidentCaseSerializer, 404: ERRORS[404], 429: ErrorSerializer},
        auth=[],
    )
    def get(self, request, number):
        return Response(services.follow(number, request.query_params.get("code")))


class RatingView(CaseView):
    @extend_schema(
        summary="Rate the handling once",
        request=ResidentRatingSerializer,
        responses={
            200: ResidentCaseSerializer,
            400: ERRORS[400],
            404: ERRORS[404],
            409: ERRORS[409],
            429: ErrorSerializer,
        },
        auth=[],
    )
    def post(self, request, number):
        data = valid(ResidentRatingSerializer, request.data)
        services.rate_case(number, data["code"], data["satisfaction"], data["reason"])
        return Response(services.follow(number, data["code"]))


class ComplaintView(CaseView):
    @extend_schema(
        summary="Complain about the handling, once",
        request=ResidentComplaintSerializer,
        responses={
            201: ResidentCaseSerializer,
            400: ERRORS[400],
            404: ERRORS[404],
            409: ERRORS[409],
            429: ErrorSerializer,
        },
        auth=[],
    )
    def post(self, request, number):
        data = valid(ResidentComplaintSerializer, request.data)
        services.complain(number, data["code"], data["text"])
        return Response(services.follow(number, data["code"]), status=201)


class MapView(Anonymous):
    throttle_classes = [ResidentThrottle]

    @extend_schema(
        summary="The public map: matters per grid cell in view, no personal data",
        parameters=[OpenApiParameter("bbox", str, required=True, description="minlon,minlat,maxlon,maxlat (WGS 84)")],
        responses={200: MapCellSerializer(many=True), 400: ERRORS[400], 429: ErrorSerializer},
        auth=[],
    )
    def get(self, request):
        try:
            box = BBoxField().clean(request.query_params.get("bbox"))
        except forms.ValidationError as error:
            raise InvalidInput(fields={"bbox": list(error.messages)}) from None
        box.srid = 4326
        return Response(services.public_map(box))
