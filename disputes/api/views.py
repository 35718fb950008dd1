"""Thin views: check the shape, find the case among those the user may see, call the service.

A case outside the user's jurisdiction is 404 (its existence does not leak); a visible case
the user may not act on is 403, raised by the service. Every act names the version of the
case the client saw, and answers with the case as it is now.
"""

import hashlib
import re

from django.conf import settings
from django.db.models import Prefetch
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, mixins, serializers, status, viewsets
from rest_framework.authentication import SessionAuthentication
from rest_framework.decorators import action
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle
from rest_framework.views import APIView

from accounts.api import SignInSerializer, TokenSerializer, phone_sign_in
from accounts.authentication import PhoneTokenAuthentication
from core.api_errors import ERRORS, ErrorSerializer
from core.clients import ClientAddressThrottle
from core.errors import InvalidInput, NotAllowed, NotFound
from core.pagination import GeoPages, KeysetPages, Pages
from disputes import access, categories, documents, duplicates, intake, work, workflow
from disputes.linkage import escalation
from disputes.models import (
    AuditEntry,
    Case,
    CaseRequest,
    Decision,
    FollowUp,
    JointTask,
    MediationSession,
    Photo,
    Report,
)
from disputes.photos import store_photo
from disputes.workflow import catalogue

from . import serializers as s
from .filters import CaseFilter


class Authenticated:
    """Token first, so that an anonymous call is answered 401 with a `WWW-Authenticate: Token` challenge."""

    authentication_classes = [PhoneTokenAuthentication, SessionAuthentication]


def handler_check(user):
    """Whether `user` handles a case (sees parties unmasked), remembered per case for one response."""
    known = {}

    def handler_of(case):
        if case.pk not in known:
            known[case.pk] = access.is_handler(user, case)
        return known[case.pk]

    return handler_of


# --- reports ----------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary=_("Your reports, and the reports of cases you can see"), parameters=[s.ReportListQuery]),
    create=extend_schema(
        summary=_("Submit a report (safe to retry with the same id)"),
        request=s.ReportInputSerializer,
        responses={
            201: OpenApiResponse(s.ReceiptSerializer, description=_("stored; a case was opened")),
            200: OpenApiResponse(s.ReceiptSerializer, description=_("a retry of a report already stored")),
            400: ERRORS[400],
            409: OpenApiResponse(ErrorSerializer, description=_("another report was stored under this id")),
        },
    ),
)
class ReportViewSet(Authenticated, mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    serializer_class = s.ReportSerializer
    pagination_class = Pages
    filter_backends = []

    def get_queryset(self):
        user = self.request.user
        reports = Report.objects.visible_to(user)
        if self.action == "list":
            query = s.ReportListQuery(data=self.request.query_params)
            query.is_valid(raise_exception=True)
            if query.validated_data["mine"]:
                reports = reports.filter(reporter=user)
        return (
            reports.select_related("category", "region", "cell", "reporter", "case")
            .defer("region__boundary", "cell__boundary")  # large, and never shown here
            .prefetch_related("photos")
            .order_by("-received_at", "pk")
        )

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "handler_of": handler_check(self.request.user)}

    def create(self, request, *args, **kwargs):
        data = s.ReportInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = intake.submit_report(request.user, data.validated_data)
        body = s.receipt(result, handler_check(request.user))
        return Response(body, status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK)


# --- cases ------------------------------------------------------------------------------


def _list_queryset(user):
    return (
        Case.objects.visible_to(user)
        .select_related("category", "region", "current_unit", "handler")
        .defer("region__boundary")  # large, and never shown in a list
        .order_by("-created_at", "-pk")
    )


def _detail_queryset(user):
    return (
        Case.objects.visible_to(user)
        .select_related(
            "category",
            "region",
            "cell",
            "current_unit",
            "first_unit",
            "dispatcher_unit",
            "handler",
            "merged_into",
            "agreement__mediator",
        )
        .defer("region__boundary", "cell__boundary")
        .prefetch_related(
            "parties",
            Prefetch("reports", queryset=Report.objects.select_related("reporter").prefetch_related("photos")),
            Prefetch("sessions", queryset=MediationSession.objects.select_related("recorded_by")),
            "sessions__mediators",
            "agreement__signed_parties",
            Prefetch("follow_ups", queryset=FollowUp.objects.select_related("visited_by")),
            Prefetch(
                "requests",
                queryset=CaseRequest.objects.filter(decision=Decision.PENDING).select_related("requested_by"),
                to_attr="pending_requests",
            ),
            Prefetch("audit", queryset=AuditEntry.objects.select_related("actor", "unit"), to_attr="timeline"),
        )
    )


def case_context(request):
    return {"request": request, "handler_of": handler_check(request.user), "now": timezone.now()}


def case_response(request, pk, missing=None):
    """The case as the user now sees it, with its version as the ETag."""
    case = _detail_queryset(request.user).filter(pk=pk).first()
    if case is None:
        if missing is not None:
            raise missing()
        # The act succeeded but moved the case out of the actor's sight (e.g. 退回 to the dispatcher).
        return Response(status=status.HTTP_204_NO_CONTENT)
    response = Response(s.CaseDetailSerializer(case, context=case_context(request)).data)
    response["ETag"] = f'"{case.version}"'
    return response


IF_MATCH = re.compile(r'^\s*(?:W/)?"?([0-9]+)"?\s*$')
IF_MATCH_HEADER = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    pattern=r'^\s*(W/)?"?[0-9]+"?\s*$',
    description=_('the case version you saw, e.g. "3" (the case\'s ETag), when the body has no `version`'),
)


def expected_version(request, values):
    """The version the client saw: `version` in the body, else the If-Match header (which, when
    sent, must be well-formed either way)."""
    version = values.pop("version", None)
    header = request.headers.get("If-Match")
    if header is not None:
        match = IF_MATCH.match(header)
        if not match:
            raise serializers.ValidationError({"version": [_('If-Match must hold the case version, e.g. "3".')]})
        if version is None:
            return int(match.group(1))
    if version is not None:
        return version
    raise serializers.ValidationError(
        {"version": [_("Send the version of the case you saw, in the body or as an If-Match header.")]}
    )


ACT_RESPONSES = {
    200: OpenApiResponse(s.CaseDetailSerializer, description=_("done; the case as it is now")),
    204: OpenApiResponse(description=_("done; the case has left your jurisdiction")),
    **ERRORS,
}


def case_act(entry):
    """The POST endpoint of one act of the catalogue: validate the shape, then call the act's verb."""
    serializer_class = getattr(s, entry.serializer)
    verb = entry.function()

    def act(self, request, pk=None):
        case = self.visible_case(pk)
        data = serializer_class(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        version = expected_version(request, values)
        verb(request.user, case, **values, expected_version=version)
        return case_response(request, case.pk)

    act.__name__ = act_attribute(entry)
    act = action(detail=True, methods=["post"], url_path=entry.path, serializer_class=serializer_class)(act)
    # After @action, which would replace the `kwargs` where extend_schema keeps its overrides.
    documented = extend_schema(
        summary=entry.title,
        description=entry.hint,
        request=serializer_class,
        parameters=[IF_MATCH_HEADER],
        responses=ACT_RESPONSES,
    )
    return documented(act)


def act_attribute(entry):
    """The view set's attribute for an act: "dispatch" would shadow APIView.dispatch, "return" is a keyword."""
    name = entry.path.replace("-", "_")
    return name + "_" if name in {"dispatch", "return"} else name


@extend_schema_view(
    list=extend_schema(
        summary=_("Cases in your jurisdiction"), responses={200: s.CaseListSerializer, 401: ERRORS[401]}
    ),
    retrieve=extend_schema(
        summary=_("One case with its parties, records, allowed actions and timeline"),
        responses={200: s.CaseDetailSerializer, 404: ERRORS[404]},
    ),
)
class CaseViewSet(Authenticated, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    filterset_class = CaseFilter
    pagination_class = KeysetPages  # ordered as _list_queryset
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        if self.action == "list":
            return _list_queryset(self.request.user)
        return _detail_queryset(self.request.user)

    def get_serializer_class(self):
        return s.CaseListSerializer if self.action == "list" else s.CaseDetailSerializer

    def get_serializer_context(self):
        return {**super().get_serializer_context(), **case_context(self.request)}

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        context = {**self.get_serializer_context(), "duplicate_counts": duplicates.counts(page, request.user)}
        return self.get_paginated_response(s.CaseListSerializer(page, many=True, context=context).data)

    def retrieve(self, request, pk=None):
        return case_response(request, pk, missing=NotFound)

    def visible_case(self, pk):
        return get_object_or_404(Case.objects.visible_to(self.request.user), pk=pk)


# One endpoint per act of the catalogue whose target is a case (the request decision has its own view).
for _entry in catalogue.ACTS:
    if _entry.target == "case":
        setattr(CaseViewSet, act_attribute(_entry), case_act(_entry))
del _entry


class WorkView(Authenticated, APIView):
    """待办: what waits for me, most urgent first (disputes/work.py)."""

    @extend_schema(
        summary=_("What waits for me (待办): cases I have an act to do on, most urgent first"),
        responses={200: s.WorkItemSerializer(many=True), 401: ERRORS[401]},
    )
    def get(self, request):
        now = timezone.now()
        items = [
            {"case": case, "urgency": level, "acts": acts} for case, level, acts in work.waiting_for(request.user, now)
        ]
        return Response(s.WorkItemSerializer(items, many=True, context={"request": request, "now": now}).data)


@extend_schema(summary=_("Cases in your jurisdiction as GeoJSON points"))
class CaseGeoJSONView(Authenticated, generics.ListAPIView):
    serializer_class = s.CaseGeoSerializer
    filterset_class = CaseFilter
    pagination_class = GeoPages

    def get_queryset(self):
        return Case.objects.visible_to(self.request.user).select_related("category").order_by("-created_at", "-pk")

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": timezone.now()}


DECIDE = catalogue.CATALOGUE["decide_request"]


class RequestDecideView(Authenticated, APIView):
    serializer_class = getattr(s, DECIDE.serializer)

    @extend_schema(
        summary=DECIDE.title,
        description=DECIDE.hint,
        request=serializer_class,
        parameters=[IF_MATCH_HEADER],
        responses=ACT_RESPONSES,
    )
    def post(self, request, pk):
        visible = Case.objects.visible_to(request.user).values("pk")
        case_request = get_object_or_404(CaseRequest.objects.select_related("case"), pk=pk, case__in=visible)
        data = self.serializer_class(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        version = expected_version(request, values)
        DECIDE.function()(request.user, case_request, **values, expected_version=version)
        return case_response(request, case_request.case_id)


class TaskAnswerView(Authenticated, APIView):
    serializer_class = s.AnswerSerializer

    @extend_schema(
        summary=_("A summoned unit answers its joint-handling task (部门报到)"),
        request=s.AnswerSerializer,
        responses={200: s.AnsweredTaskSerializer, **ERRORS},
    )
    def post(self, request, pk):
        # Summoned units see their case (access.case_scope); others who see it get 403, not 404.
        visible = Case.objects.visible_to(request.user).values("pk")
        task = get_object_or_404(JointTask.objects.select_related("case").filter(case__in=visible), pk=pk)
        data = s.AnswerSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        task = escalation.answer_task(request.user, task, **data.validated_data)
        task = JointTask.objects.select_related("unit", "summoned_by", "answered_by", "case").get(pk=task.pk)
        return Response(s.AnsweredTaskSerializer(task, context=case_context(request)).data)


# --- categories -------------------------------------------------------------------------


class CategoryTreeView(Authenticated, APIView):
    @extend_schema(summary=_("The active category tree"), responses=s.CategoryNodeSerializer(many=True))
    def get(self, request):
        roots = categories.active_tree()
        return Response(s.CategoryNodeSerializer(roots, many=True).data)


# --- agreement documents ----------------------------------------------------------------


class JSONErrors(DefaultContentNegotiation):
    """A document view answers with the document, or with an error in JSON, whatever the Accept header."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return JSONRenderer(), JSONRenderer.media_type


class AgreementDocumentView(Authenticated, APIView):
    content_negotiation_class = JSONErrors
    pdf = False

    def get(self, request, pk):
        case = get_object_or_404(Case.objects.visible_to(request.user).select_related("agreement"), pk=pk)
        if not access.is_handler(request.user, case):
            # The document carries the parties' ID numbers in full.
            raise NotAllowed()
        agreement = getattr(case, "agreement", None)
        if agreement is None:
            raise NotFound(_("This case has no agreement yet."))
        if self.pdf:
            response = HttpResponse(documents.agreement_pdf(agreement), content_type="application/pdf")
            response["Content-Disposition"] = f'inline; filename="agreement-{case.number}.pdf"'
            return response
        return HttpResponse(documents.agreement_html(agreement), content_type="text/html; charset=utf-8")


@extend_schema_view(
    get=extend_schema(
        summary=_("The agreement (调解协议书) as a page to print"),
        responses={(200, "text/html"): OpenApiTypes.STR, **{code: ERRORS[code] for code in (401, 403, 404)}},
    )
)
class AgreementPrintView(AgreementDocumentView):
    pass


@extend_schema_view(
    get=extend_schema(
        summary=_("The agreement (调解协议书) as PDF, its font embedded"),
        responses={(200, "application/pdf"): OpenApiTypes.BINARY, **{code: ERRORS[code] for code in (401, 403, 404)}},
    )
)
class AgreementPDFView(AgreementDocumentView):
    pdf = True


# --- photos -----------------------------------------------------------------------------


class PhotoUploadView(Authenticated, APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        summary=_("Upload a photo (stored once per content)"),
        request={"multipart/form-data": s.PhotoUploadSerializer},
        responses={
            201: OpenApiResponse(s.PhotoSerializer, description=_("stored")),
            200: OpenApiResponse(s.PhotoSerializer, description=_("already stored")),
            400: ERRORS[400],
            401: ERRORS[401],
        },
    )
    def post(self, request):
        data = s.PhotoUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            photo, created = store_photo(request.user, data.validated_data["file"])
        except InvalidInput as error:
            # The service names the image "photo"; here it arrives in the form field "file".
            error.fields = {("file" if name == "photo" else name): value for name, value in error.fields.items()}
            raise
        return Response(
            s.PhotoSerializer(photo).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


def photo_response(photo):
    """The shared copy's bytes, or the header that has the web server send them."""
    prefix = settings.PHOTO_X_ACCEL_REDIRECT
    if prefix:
        response = HttpResponse(content_type="image/jpeg")
        response["X-Accel-Redirect"] = prefix.rstrip("/") + "/" + photo.public.name
    else:
        response = FileResponse(photo.public.open("rb"), content_type="image/jpeg")
    # Named by its content, so it never changes; private: only this user may see it.
    response["Cache-Control"] = "private, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    return response


class PhotoFileView(Authenticated, APIView):
    """A case photo's shared copy, to those who may see it (defect 10: it was public under /media/).

    With PHOTO_X_ACCEL_REDIRECT set (a path prefix nginx serves as `internal`), the answer is only
    the header and nginx sends the file; otherwise Django streams it.
    """

    content_negotiation_class = JSONErrors

    @extend_schema(
        summary=_("A case photo (the shared copy: oriented, no metadata)"),
        responses={(200, "image/jpeg"): OpenApiTypes.BINARY, **{code: ERRORS[code] for code in (401, 404)}},
    )
    def get(self, request, sha256):
        photo = get_object_or_404(Photo.objects.visible_to(request.user).exclude(public=""), sha256=sha256)
        return photo_response(photo)


# --- residents --------------------------------------------------------------------------


class ConfigurableRate:
    """The rate from REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][scope], else a safe default."""

    default_rate = None

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope) or self.default_rate


class ResidentThrottle(ClientAddressThrottle, ConfigurableRate, AnonRateThrottle):
    """Per address: look-ups and ratings without login."""

    scope = "resident"
    default_rate = "60/hour"


class ResidentCaseThrottle(ConfigurableRate, SimpleRateThrottle):
    """Per case number, whatever the address: guessing one case's 6-digit code takes years."""

    scope = "resident_case"
    default_rate = "20/hour"

    def get_cache_key(self, request, view):
        number = hashlib.sha256(str(view.kwargs.get("number", "")).encode()).hexdigest()[:32]
        return self.cache_format % {"scope": self.scope, "ident": number}


class LoginThrottle(ClientAddressThrottle, ConfigurableRate, AnonRateThrottle):
    scope = "login"
    default_rate = "30/hour"


class ResidentView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [ResidentThrottle, ResidentCaseThrottle]


class PublicCaseView(ResidentView):
    @extend_schema(
        summary=_("A resident looks up a case by its number and verification code"),
        parameters=[OpenApiParameter("code", str, required=True, description=_("the 6-digit verification code"))],
        responses={200: s.PublicCaseSerializer, 404: ERRORS[404], 429: ErrorSerializer},
        auth=[],
    )
    def get(self, request, number):
        case = workflow.find_for_resident(number, request.query_params.get("code"))
        return Response(s.PublicCaseSerializer(case).data)


class PublicRatingView(ResidentView):
    @extend_schema(
        summary=_("A resident rates the handling of a case, once"),
        request=s.RatingSerializer,
        responses={200: s.PublicCaseSerializer, 400: ERRORS[400], 404: ERRORS[404], 409: ERRORS[409]},
        auth=[],
    )
    def post(self, request, number):
        data = s.RatingSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        case = workflow.rate_case(
            number,
            data.validated_data["code"],
            data.validated_data["satisfaction"],
            data.validated_data.get("reason", ""),
        )
        return Response(s.PublicCaseSerializer(case).data)


# --- tokens -----------------------------------------------------------------------------


class TokenView(APIView):
    """username/password → token, for the phone app (accounts: lockout, expiry, temporary passwords)."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [LoginThrottle]

    @extend_schema(
        summary=_("Sign in: a token for the phone"),
        request=SignInSerializer,
        responses={200: TokenSerializer, 400: ERRORS[400], 403: ERRORS[403], 429: ErrorSerializer},
        auth=[],
    )
    def post(self, request):
        data = SignInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        token = phone_sign_in(request, data.validated_data["username"], data.validated_data["password"])
        return Response({"token": token.key})
