"""Shapes in and out. Input serializers check types and sizes only; what is allowed is for the services.

Parties' ID numbers and phones (and a report's contact phone) are masked for everyone but the
case's handlers: the view puts `handler_of(case) -> bool` in the serializer context.
"""

import math

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from core.params import QuerySerializer, StrictUUIDField
from disputes import duplicates, workflow
from disputes.identity import mask
from disputes.models import (
    Agreement,
    AuditEntry,
    Case,
    CaseRequest,
    Category,
    ConfirmationOutcome,
    FollowUp,
    Grade,
    Handling,
    JointTask,
    MediationSession,
    MediationSource,
    Party,
    PartyRole,
    Photo,
    PhotoPurpose,
    Report,
    ReportPhoto,
    ReportSource,
    RequestKind,
    Satisfaction,
)
from grid.models import Region, Unit, display_name

# --- small pieces -----------------------------------------------------------------------


@extend_schema_field(OpenApiTypes.STR)
class DisplayNameField(serializers.Field):
    """A user as people read it (family name first), never the account's other data."""

    def __init__(self, **kwargs):
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def bind(self, field_name, parent):
        super().bind(field_name, parent)
        # A user the model may leave empty (no handler yet, the sweeper's acts) is null, and the
        # schema says so.
        model = getattr(getattr(parent, "Meta", None), "model", None)
        if model is not None and "." not in self.source:
            self.allow_null = model._meta.get_field(self.source).null

    def to_representation(self, value):
        return display_name(value)


class CategoryRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["code", "name"]


class UnitRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Unit
        fields = ["code", "name"]


class RegionRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["code", "name"]


def _is_handler(serializer, case):
    handler_of = serializer.context.get("handler_of")
    return bool(handler_of and handler_of(case))


def _now(serializer):
    return serializer.context.get("now") or timezone.now()


# --- categories -------------------------------------------------------------------------


class CategoryNodeSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.IntegerField()
    kind = serializers.CharField()
    default_grade = serializers.CharField()
    terms = serializers.CharField(help_text=_("what a search matches: name, words, pinyin, initials"))
    other = serializers.BooleanField(help_text=_("the catch-all of its kind, offered when a search finds nothing"))


# The tree is recursive: children are nodes too (drf-spectacular renders this as a $ref to itself).
CategoryNodeSerializer._declared_fields["children"] = CategoryNodeSerializer(many=True, read_only=True)


# --- reports ----------------------------------------------------------------------------


class PartyInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=50)
    role = serializers.ChoiceField(choices=PartyRole.choices, required=False)
    id_number = serializers.CharField(max_length=18, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)


class PhotoRefSerializer(serializers.Serializer):
    sha256 = serializers.CharField(max_length=64)
    purpose = serializers.ChoiceField(choices=PhotoPurpose.choices, required=False)


class ReportInputSerializer(serializers.Serializer):
    """What a phone (or the hotline desk) sends. The id is made by the device, so retries are safe."""

    id = StrictUUIDField()
    source = serializers.ChoiceField(choices=ReportSource.choices)
    category = serializers.CharField(max_length=20, help_text=_("category code"))
    description = serializers.CharField()
    lon = serializers.FloatField(min_value=-180, max_value=180)
    lat = serializers.FloatField(min_value=-90, max_value=90)
    accuracy_m = serializers.FloatField(min_value=0, required=False, allow_null=True)
    occurred_at = serializers.DateTimeField()
    severity = serializers.IntegerField(required=False)
    contact_name = serializers.CharField(max_length=50, required=False, allow_blank=True)
    contact_phone = serializers.CharField(max_length=30, required=False, allow_blank=True)
    resolved_on_site = serializers.BooleanField(required=False)
    on_site_result = serializers.CharField(required=False, allow_blank=True)
    on_behalf_of = serializers.CharField(
        max_length=50, required=False, allow_blank=True, help_text=_("the resident a village agent files for (代理)")
    )
    parties = PartyInputSerializer(many=True, required=False)
    photos = PhotoRefSerializer(many=True, required=False)


class CaseRefSerializer(serializers.ModelSerializer):
    state_display = serializers.CharField(source="get_state_display", read_only=True)

    class Meta:
        model = Case
        fields = ["id", "number", "state", "state_display", "version"]


class ReportPhotoSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReportPhoto
        fields = ["sha256", "purpose"]


class ReportListQuery(QuerySerializer):
    mine = serializers.BooleanField(
        required=False, default=False, help_text=_("true: only the reports you made yourself")
    )


class ReportSerializer(serializers.ModelSerializer):
    category = CategoryRefSerializer(read_only=True)
    region = RegionRefSerializer(read_only=True)
    cell = serializers.CharField(source="cell.code", read_only=True, allow_null=True, default=None)
    lon = serializers.FloatField(source="point.x", read_only=True)
    lat = serializers.FloatField(source="point.y", read_only=True)
    reporter = DisplayNameField()
    contact_phone = serializers.SerializerMethodField()
    photos = ReportPhotoSerializer(many=True, read_only=True)
    case = CaseRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Report
        fields = [
            "id",
            "source",
            "category",
            "description",
            "lon",
            "lat",
            "accuracy_m",
            "cell",
            "region",
            "occurred_at",
            "received_at",
            "reporter",
            "contact_name",
            "contact_phone",
            "severity",
            "resolved_on_site",
            "on_site_result",
            "on_behalf_of",
            "photos",
            "case",
        ]

    def get_contact_phone(self, report) -> str:
        if report.case is not None and _is_handler(self, report.case):
            return report.contact_phone
        return mask(report.contact_phone)


class ReceiptCaseSerializer(CaseRefSerializer):
    """The reporter's receipt: the number and code to give the resident for look-ups."""

    class Meta(CaseRefSerializer.Meta):
        fields = [*CaseRefSerializer.Meta.fields, "verification_code", "created_at", "due_at"]


class DuplicateSerializer(serializers.ModelSerializer):
    distance_m = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = ["id", "number", "state", "distance_m", "created_at"]

    def get_distance_m(self, case) -> float | None:
        origin = self.context.get("origin")
        if origin is None:
            return None
        return round(_metres(origin, case.point), 1)


def _metres(a, b):
    """Great-circle distance between two WGS 84 points, for display."""
    lon1, lat1, lon2, lat2 = map(math.radians, (a.x, a.y, b.x, b.y))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(math.sqrt(h))


class ReceiptSerializer(serializers.Serializer):
    """The receipt's documented shape (the schema); `receipt` builds it."""

    report = ReportSerializer()
    case = ReceiptCaseSerializer()
    duplicates = DuplicateSerializer(many=True)


_DATETIME = serializers.DateTimeField()  # the serializers' own text for a time, in the active time zone


def _time(value):
    return None if value is None else _DATETIME.to_representation(value)


def _float(value):
    return None if value is None else float(value)


def _ref(obj):
    return None if obj is None else {"code": obj.code, "name": obj.name}


def _case_ref(case):
    return {
        "id": case.pk,
        "number": case.number,
        "state": str(case.state),
        "state_display": str(case.get_state_display()),
        "version": case.version,
    }


def receipt(result, handler_of):
    """What ReceiptSerializer makes of an intake.IntakeResult, built from what intake just wrote.

    Intake runs at hundreds of reports a second and the nested serializers were a fifth of a
    report's time. Nothing here reads the database for a new report: its photos are the ones intake
    wrote (`result.photos`); a retry reads them, as the stored report's other relations. `handler_of`
    as in the views' serializer context (the contact phone is masked for all but handlers).
    tests/disputes/test_receipt.py holds it to ReceiptSerializer's output.
    """
    report, case = result.report, result.case
    photos = result.photos
    if photos is None:
        photos = [{"sha256": p.sha256, "purpose": str(p.purpose)} for p in report.photos.all()]
    reported_case = report.case
    phone = report.contact_phone
    if not (reported_case is not None and handler_of(reported_case)):
        phone = mask(phone)
    origin = case.point
    return {
        "report": {
            "id": str(report.pk),
            "source": str(report.source),
            "category": _ref(report.category),
            "description": report.description,
            "lon": float(report.point.x),
            "lat": float(report.point.y),
            "accuracy_m": _float(report.accuracy_m),
            "cell": None if report.cell is None else report.cell.code,
            "region": _ref(report.region),
            "occurred_at": _time(report.occurred_at),
            "received_at": _time(report.received_at),
            "reporter": display_name(report.reporter),
            "contact_name": report.contact_name,
            "contact_phone": phone,
            "severity": report.severity,
            "resolved_on_site": report.resolved_on_site,
            "on_site_result": report.on_site_result,
            "on_behalf_of": report.on_behalf_of,
            "photos": photos,
            "case": None if reported_case is None else _case_ref(reported_case),
        },
        "case": {
            **_case_ref(case),
            "verification_code": case.verification_code,
            "created_at": _time(case.created_at),
            "due_at": _time(case.due_at),
        },
        "duplicates": [
            {
                "id": other.pk,
                "number": other.number,
                "state": str(other.state),
                "distance_m": None if origin is None else round(_metres(origin, other.point), 1),
                "created_at": _time(other.created_at),
            }
            for other in result.duplicates
        ],
    }


# --- cases ------------------------------------------------------------------------------


class CaseListSerializer(serializers.ModelSerializer):
    category = CategoryRefSerializer(read_only=True)
    region = RegionRefSerializer(read_only=True)
    current_unit = UnitRefSerializer(read_only=True)
    handler = DisplayNameField()
    state_display = serializers.CharField(source="get_state_display", read_only=True)
    lon = serializers.FloatField(source="point.x", read_only=True)
    lat = serializers.FloatField(source="point.y", read_only=True)
    overdue = serializers.SerializerMethodField()
    duplicates = serializers.SerializerMethodField(
        help_text=_("How many open cases may be this one again (the detail lists them); 0 when none or not open")
    )

    class Meta:
        model = Case
        fields = [
            "id",
            "number",
            "kind",
            "category",
            "grade",
            "severity",
            "state",
            "state_display",
            "handling",
            "description",
            "lon",
            "lat",
            "area_code",
            "region",
            "current_unit",
            "handler",
            "created_at",
            "due_at",
            "due_provisional",
            "overdue",
            "duplicates",
            "version",
        ]

    def get_overdue(self, case) -> bool:
        return case.is_overdue(_now(self))

    def get_duplicates(self, case) -> int:
        return self.context.get("duplicate_counts", {}).get(case.pk, 0)


class WorkItemSerializer(serializers.Serializer):
    """One case waiting for me (待办): the case as in the list, how urgent, and what I may do on it."""

    case = CaseListSerializer(read_only=True)
    urgency = serializers.ChoiceField(choices=["breached", "warning", "due", "none"], read_only=True)
    acts = serializers.ListField(child=serializers.CharField(), read_only=True)


class CaseGeoSerializer(GeoFeatureModelSerializer):
    """A map layer: one point feature per case, with what a marker needs."""

    category = serializers.CharField(source="category.code", read_only=True)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Case
        geo_field = "point"
        fields = ["id", "number", "kind", "category", "grade", "severity", "state", "due_at", "overdue"]

    def get_overdue(self, case) -> bool:
        return case.is_overdue(_now(self))


class PartySerializer(serializers.ModelSerializer):
    class Meta:
        model = Party
        fields = ["id", "name", "role", "id_number", "phone", "address", "refuses_mediation"]

    def to_representation(self, party):
        data = super().to_representation(party)
        if not _is_handler(self, party.case):
            data["id_number"] = mask(party.id_number)
            data["phone"] = mask(party.phone)
        return data


class CaseReportSerializer(serializers.ModelSerializer):
    reporter = DisplayNameField()
    contact_phone = serializers.SerializerMethodField()

    class Meta:
        model = Report
        fields = [
            "id",
            "source",
            "received_at",
            "occurred_at",
            "reporter",
            "description",
            "contact_name",
            "contact_phone",
            "resolved_on_site",
            "on_site_result",
            "on_behalf_of",
        ]

    def get_contact_phone(self, report) -> str:
        return report.contact_phone if _is_handler(self, report.case) else mask(report.contact_phone)


class ExpectedPhotoSerializer(serializers.Serializer):
    sha256 = serializers.CharField()
    purpose = serializers.CharField()
    report = serializers.UUIDField()
    received = serializers.BooleanField()
    url = serializers.CharField(allow_null=True)


class CasePhotosSerializer(serializers.Serializer):
    expected = ExpectedPhotoSerializer(many=True)
    missing = serializers.ListField(child=serializers.CharField())


class SessionSerializer(serializers.ModelSerializer):
    mediators = serializers.SerializerMethodField()
    recorded_by = DisplayNameField()

    class Meta:
        model = MediationSession
        fields = ["id", "held_at", "place", "mediators", "attendees", "record", "recorded_by"]

    def get_mediators(self, session) -> list[str]:
        return [display_name(user) for user in session.mediators.all()]


class AgreementSerializer(serializers.ModelSerializer):
    mediator = DisplayNameField()
    signed_parties = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    effective = serializers.BooleanField(read_only=True)

    class Meta:
        model = Agreement
        fields = [
            "id",
            "facts",
            "issues",
            "responsibilities",
            "terms",
            "performance",
            "perform_by",
            "oral",
            "mediator",
            "signed_parties",
            "signed_at",
            "effective",
            "confirmation_applied_on",
            "confirmation_outcome",
            "confirmation_decided_on",
            "created_at",
        ]


class FollowUpSerializer(serializers.ModelSerializer):
    visited_by = DisplayNameField()

    class Meta:
        model = FollowUp
        fields = ["id", "visited_at", "performed", "satisfaction", "notes", "visited_by"]


class CaseRequestSerializer(serializers.ModelSerializer):
    requested_by = DisplayNameField()
    # A plain string in the schema: a second enum named "kind" would collide with the case's.
    kind = serializers.CharField(read_only=True, help_text=" | ".join(RequestKind.values))

    class Meta:
        model = CaseRequest
        fields = ["id", "kind", "reason", "days", "requested_by", "requested_at", "decision"]


class TimelineSerializer(serializers.ModelSerializer):
    actor = DisplayNameField()
    unit = serializers.CharField(source="unit.name", read_only=True, allow_null=True, default=None)

    class Meta:
        model = AuditEntry
        fields = ["seq", "at", "action", "from_state", "to_state", "actor", "unit", "details"]


class JointTaskSerializer(serializers.ModelSerializer):
    """One summoned unit's part of a jointly handled case (联办)."""

    unit = UnitRefSerializer(read_only=True)
    summoned_by = DisplayNameField()
    answered_by = DisplayNameField()
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = JointTask
        fields = [
            "id",
            "unit",
            "instructions",
            "summoned_by",
            "summoned_at",
            "due_at",
            "overdue",
            "answered_at",
            "answered_by",
            "answer",
        ]

    def get_overdue(self, task) -> bool:
        return task.answered_at is None and task.due_at < _now(self)


class AnsweredTaskSerializer(JointTaskSerializer):
    """The answer to a task, with the case as it is now (resolved when this was the last task)."""

    case = CaseRefSerializer(read_only=True)

    class Meta(JointTaskSerializer.Meta):
        fields = [*JointTaskSerializer.Meta.fields, "case"]


class RelatedCaseSerializer(serializers.Serializer):
    """An open case that may be this one again (disputes.duplicates), with why it is offered."""

    id = serializers.IntegerField(source="case.pk")
    number = serializers.CharField(source="case.number")
    state = serializers.CharField(source="case.state")
    category = serializers.CharField(source="case.category.name")
    created_at = serializers.DateTimeField(source="case.created_at")
    distance_m = serializers.FloatField(allow_null=True)
    reasons = serializers.ListField(child=serializers.ChoiceField(choices=duplicates.REASONS))


class CaseDetailSerializer(CaseListSerializer):
    first_unit = UnitRefSerializer(read_only=True)
    dispatcher_unit = UnitRefSerializer(read_only=True, allow_null=True)
    cell = serializers.CharField(source="cell.code", read_only=True, allow_null=True, default=None)
    merged_into = serializers.CharField(source="merged_into.number", read_only=True, allow_null=True, default=None)
    parties = PartySerializer(many=True, read_only=True)
    reports = CaseReportSerializer(many=True, read_only=True)
    photos = serializers.SerializerMethodField()
    sessions = SessionSerializer(many=True, read_only=True)
    agreement = serializers.SerializerMethodField()
    follow_ups = FollowUpSerializer(many=True, read_only=True)
    pending_requests = CaseRequestSerializer(many=True, read_only=True)
    joint_tasks = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField()
    duplicates = serializers.SerializerMethodField()
    timeline = TimelineSerializer(many=True, read_only=True)

    class Meta(CaseListSerializer.Meta):
        fields = [
            *CaseListSerializer.Meta.fields,
            "cell",
            "first_unit",
            "dispatcher_unit",
            "stage",
            "stage_started_at",
            "mediation_source",
            "rights_notice_at",
            "mediation_due_on",
            "reason",
            "merged_into",
            "rework_count",
            "resident_rating",
            "accepted_at",
            "resolved_at",
            "closed_at",
            "parties",
            "reports",
            "photos",
            "sessions",
            "agreement",
            "follow_ups",
            "pending_requests",
            "joint_tasks",
            "allowed_actions",
            "duplicates",
            "timeline",
        ]

    @extend_schema_field(CasePhotosSerializer)
    def get_photos(self, case):
        """The photos the reports announced, and which of them have not been uploaded yet."""
        expected = [photo for report in case.reports.all() for photo in report.photos.all()]
        stored = {}
        if expected:
            hashes = {photo.sha256 for photo in expected}
            stored = {photo.sha256: photo for photo in Photo.objects.filter(sha256__in=hashes)}
        rows = [
            {
                "sha256": photo.sha256,
                "purpose": photo.purpose,
                "report": photo.report_id,
                "received": photo.sha256 in stored,
                "url": _public_url(stored[photo.sha256])
                if photo.sha256 in stored and stored[photo.sha256].public
                else None,
            }
            for photo in expected
        ]
        missing = sorted({row["sha256"] for row in rows if not row["received"]})
        return CasePhotosSerializer({"expected": rows, "missing": missing}).data

    @extend_schema_field(AgreementSerializer(allow_null=True))
    def get_agreement(self, case):
        agreement = getattr(case, "agreement", None)
        return AgreementSerializer(agreement, context=self.context).data if agreement is not None else None

    @extend_schema_field(JointTaskSerializer(many=True))
    def get_joint_tasks(self, case):
        """One query with the units and people, whether or not the view prefetched them."""
        tasks = case.joint_tasks.select_related("unit", "summoned_by", "answered_by")
        return JointTaskSerializer(tasks, many=True, context=self.context).data

    def get_allowed_actions(self, case) -> list[str]:
        request = self.context.get("request")
        return workflow.allowed_actions(request.user, case) if request is not None else []

    @extend_schema_field(RelatedCaseSerializer(many=True))
    def get_duplicates(self, case):
        """Open cases that may be this one again, for its handlers to merge (never imposed)."""
        request = self.context.get("request")
        if request is None:
            return []
        return RelatedCaseSerializer(duplicates.related_cases(case, request.user), many=True).data


# --- acts on a case ---------------------------------------------------------------------


class ActSerializer(serializers.Serializer):
    """Every act names the version of the case the client saw (or sends it as If-Match)."""

    version = serializers.IntegerField(
        min_value=1, required=False, help_text=_("the case version you saw; or send it as an If-Match header")
    )


class NoteSerializer(ActSerializer):
    note = serializers.CharField(required=False, allow_blank=True)


class AcceptSerializer(NoteSerializer):
    handling = serializers.ChoiceField(choices=Handling.choices, required=False)


class ReasonSerializer(ActSerializer):
    reason = serializers.CharField()


class RegradeSerializer(ActSerializer):
    grade = serializers.ChoiceField(choices=Grade.choices)
    reason = serializers.CharField()


class MergeSerializer(ActSerializer):
    into = serializers.IntegerField(help_text=_("id of the open case that takes this one in"))

    def validate_into(self, value):
        user = self.context["request"].user
        case = Case.objects.visible_to(user).filter(pk=value).first()
        if case is None:
            raise serializers.ValidationError(_("Choose a case you can see."))
        return case


class DispatchSerializer(NoteSerializer):
    unit = serializers.SlugRelatedField(slug_field="code", queryset=Unit.objects.all(), help_text=_("unit code"))
    handling = serializers.ChoiceField(choices=Handling.choices, required=False)


class MaterialsSerializer(ActSerializer):
    items = serializers.ListField(child=serializers.CharField(max_length=200), allow_empty=False)


class ExtensionSerializer(ActSerializer):
    days = serializers.IntegerField()
    reason = serializers.CharField()


class ResolveSerializer(ActSerializer):
    result = serializers.CharField()


class VerifySerializer(NoteSerializer):
    passed = serializers.BooleanField()


class AddPartySerializer(ActSerializer, PartyInputSerializer):
    role = serializers.ChoiceField(choices=PartyRole.choices)
    refuses_mediation = serializers.BooleanField(required=False)


class EditPartySerializer(ActSerializer):
    """Only the fields sent change; the party is named by its id (see the case's parties)."""

    party = serializers.IntegerField(min_value=1)
    name = serializers.CharField(max_length=50, required=False)
    role = serializers.ChoiceField(choices=PartyRole.choices, required=False)
    id_number = serializers.CharField(max_length=18, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)
    refuses_mediation = serializers.BooleanField(required=False)


class RegisterMediationSerializer(ActSerializer):
    source = serializers.ChoiceField(choices=MediationSource.choices)
    rights_notice_acknowledged = serializers.BooleanField()


class SessionInputSerializer(ActSerializer):
    held_at = serializers.DateTimeField()
    place = serializers.CharField(max_length=200)
    mediators = serializers.PrimaryKeyRelatedField(
        many=True, required=False, queryset=get_user_model().objects.filter(is_active=True)
    )
    attendees = serializers.CharField()
    record = serializers.CharField()

    def validate(self, attrs):
        attrs.setdefault("mediators", [])  # none named: the service takes the recording mediator
        return attrs


class AgreementInputSerializer(ActSerializer):
    facts = serializers.CharField()
    issues = serializers.CharField()
    responsibilities = serializers.CharField()
    terms = serializers.CharField()
    performance = serializers.CharField()
    perform_by = serializers.DateField()
    oral = serializers.BooleanField(required=False)


class SignSerializer(ActSerializer):
    party_ids = serializers.ListField(child=serializers.IntegerField(), allow_empty=False)
    signed_at = serializers.DateTimeField(required=False)


class ExtendMediationSerializer(ActSerializer):
    days = serializers.IntegerField(min_value=1)
    consent_note = serializers.CharField()


class ConfirmationSerializer(ActSerializer):
    applied_on = serializers.DateField(required=False)
    outcome = serializers.ChoiceField(
        choices=[ConfirmationOutcome.CONFIRMED, ConfirmationOutcome.REFUSED], required=False
    )
    decided_on = serializers.DateField(required=False)


class FollowUpInputSerializer(ActSerializer):
    performed = serializers.BooleanField()
    satisfaction = serializers.ChoiceField(choices=Satisfaction.choices, required=False, allow_blank=True)
    notes = serializers.CharField(required=False, allow_blank=True)


class DecideSerializer(NoteSerializer):
    approve = serializers.BooleanField()


class SummonSerializer(ActSerializer):
    units = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Unit.objects.select_related("region").defer("region__boundary"),  # the place check needs the code
        many=True,
        allow_empty=False,
        help_text=_("unit codes"),
    )
    instructions = serializers.CharField(required=False, allow_blank=True)
    days = serializers.IntegerField(
        min_value=1, max_value=30, required=False, help_text=_("working days to answer (default 2)")
    )


class AnswerSerializer(serializers.Serializer):
    answer = serializers.CharField(help_text=_("what the unit did"))


# --- residents --------------------------------------------------------------------------


class PublicTimelineSerializer(serializers.ModelSerializer):
    """What happened and when, never who: no names, units or details reach a resident's screen."""

    class Meta:
        model = AuditEntry
        fields = ["action", "at", "from_state", "to_state"]


class PublicCaseSerializer(serializers.ModelSerializer):
    state_display = serializers.CharField(source="get_state_display", read_only=True)
    category = serializers.CharField(source="category.name", read_only=True)
    rated = serializers.SerializerMethodField()
    timeline = PublicTimelineSerializer(source="audit", many=True, read_only=True)

    class Meta:
        model = Case
        fields = ["number", "state", "state_display", "category", "created_at", "closed_at", "rated", "timeline"]

    def get_rated(self, case) -> bool:
        return bool(case.resident_rating)


class RatingSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=8)
    satisfaction = serializers.ChoiceField(choices=Satisfaction.choices)
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True)


# --- photos -----------------------------------------------------------------------------


class PhotoUploadSerializer(serializers.Serializer):
    file = serializers.FileField()


def _public_url(photo):
    return photo.shared_url if photo is not None else None


class PhotoSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = Photo
        fields = ["sha256", "content_type", "size", "width", "height", "url", "uploaded_at"]

    def get_url(self, photo) -> str | None:
        return _public_url(photo)
