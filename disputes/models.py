"""What happens: reports, the cases they become, parties, mediation records and the
append-only audit trail. State changes happen only in `disputes.workflow`."""

from django.conf import settings
from django.contrib.gis.db import models
from django.core.exceptions import ValidationError
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grid.models import GridCell, Region, Unit, UnitKind

from .identity import validate_id_number
from .lifecycle import OPEN_STATES, PAUSED_STATES, CaseState, Stage, is_overdue  # noqa: F401  (re-exported)


class CaseKind(models.TextChoices):
    DISPUTE = "dispute", _("dispute")  # 矛盾纠纷
    INCIDENT = "incident", _("incident")  # 事件


class Grade(models.TextChoices):
    GREEN = "green", _("green: the gridworker follows up")
    YELLOW = "yellow", _("yellow: ordinary")
    ORANGE = "orange", _("orange: likely to escalate")
    RED = "red", _("red: cross-department, needs leadership")


class LimitUnit(models.TextChoices):
    WORKING_DAYS = "working_days", _("working days")
    WORKING_HOURS = "working_hours", _("working hours")


class Category(models.Model):
    """Three levels: 大类 / 中类 / 小类. Time limits are inherited from the parent when absent."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    level = models.PositiveSmallIntegerField(_("level"), choices=[(1, _("major")), (2, _("middle")), (3, _("minor"))])
    kind = models.CharField(_("kind"), max_length=10, choices=CaseKind.choices)
    default_grade = models.CharField(_("default grade"), max_length=10, choices=Grade.choices, default=Grade.YELLOW)
    active = models.BooleanField(_("active"), default=True)
    keywords = models.CharField(
        _("keywords"),
        max_length=300,
        blank=True,
        help_text=_("Everyday words people use for this category, separated by spaces (路灯 漏水 吵架 …)."),
    )
    public = models.BooleanField(
        _("public"),
        default=False,
        help_text=_(
            "Show this category's matters to the public, without any personal data: on the residents' map"
            " at /r/ (with the categories under it, a dot per grid cell) and, for incidents, through Open311."
        ),
    )

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.name}"

    def clean(self):
        expected = 1 if self.parent is None else self.parent.level + 1
        if self.level != expected:
            raise ValidationError({"level": _("This category sits at level %(level)s.") % {"level": expected}})
        if self.parent is not None and self.parent.kind != self.kind:
            raise ValidationError({"kind": _("A category has the kind of its parent.")})


class StageLimit(models.Model):
    category = models.ForeignKey(Category, verbose_name=_("category"), on_delete=models.CASCADE, related_name="limits")
    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices)
    amount = models.PositiveIntegerField(_("amount"))
    unit = models.CharField(_("time unit"), max_length=15, choices=LimitUnit.choices, default=LimitUnit.WORKING_DAYS)

    class Meta:
        verbose_name = _("time limit")
        verbose_name_plural = _("time limits")
        constraints = [models.UniqueConstraint(fields=["category", "stage"], name="stagelimit_unique_stage")]

    def __str__(self):
        return f"{self.get_stage_display()}: {self.amount} {self.get_unit_display()}"


class ReportSource(models.TextChoices):
    APP = "app", _("gridworker app")  # 网格员上报
    HOTLINE = "hotline", _("12345 hotline")
    WINDOW = "window", _("service window")  # 便民服务窗口
    AGENT = "agent", _("village agent")  # 村代办员
    WEB = "web", _("resident web")  # 群众网上
    OPEN311 = "open311", _("Open311 client")  # 其他系统经 Open311 接口


class ReportQuerySet(models.QuerySet):
    def visible_to(self, user):
        """My own reports, and the reports of the cases I may see."""
        return self.filter(Q(reporter=user) | Q(case__in=Case.objects.visible_to(user).values("pk")))


class Report(models.Model):
    """One submission. Its id is made by the device, so a retry can never store it twice."""

    id = models.UUIDField(_("id"), primary_key=True)
    content_hash = models.CharField(_("content hash"), max_length=64, editable=False)
    source = models.CharField(_("source"), max_length=10, choices=ReportSource.choices)
    category = models.ForeignKey(Category, verbose_name=_("category"), on_delete=models.PROTECT)
    description = models.TextField(_("description"))
    point = models.PointField(_("location"), srid=4326)
    accuracy_m = models.FloatField(_("GPS accuracy (m)"), null=True, blank=True)
    cell = models.ForeignKey(GridCell, verbose_name=_("grid cell"), on_delete=models.PROTECT, null=True, blank=True)
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+", help_text=_("deepest region")
    )
    occurred_at = models.DateTimeField(_("occurred at"))
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reporter"), on_delete=models.PROTECT, related_name="reports"
    )
    contact_name = models.CharField(_("contact name"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    severity = models.PositiveSmallIntegerField(_("severity"), default=1)
    resolved_on_site = models.BooleanField(_("settled on the spot"), default=False)
    on_site_result = models.TextField(_("on-the-spot result"), blank=True)
    on_behalf_of = models.CharField(
        _("acting for"), max_length=50, blank=True, help_text=_("the resident a village agent files for (代理)")
    )
    parties = models.JSONField(_("parties as reported"), default=list, blank=True)
    case = models.ForeignKey(
        "Case", verbose_name=_("case"), on_delete=models.PROTECT, related_name="reports", null=True, blank=True
    )

    objects = ReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-received_at"]
        indexes = [
            models.Index(fields=["received_at"]),
            # A person's reports in a period, and what the assessment counts of them, from the index alone.
            models.Index(fields=["reporter", "received_at", "resolved_on_site"], name="disputes_report_by_reporter"),
            # The desk's caller history: a caller's earlier reports by the number typed.
            models.Index(fields=["contact_phone"], name="disputes_report_by_phone"),
        ]

    def __str__(self):
        return str(self.id)


class PhotoQuerySet(models.QuerySet):
    def visible_to(self, user):
        from .access import photo_scope

        return self.filter(photo_scope(user))


class Photo(models.Model):
    """An uploaded image, stored once per content (SHA-256)."""

    sha256 = models.CharField(_("SHA-256"), max_length=64, unique=True)
    original = models.FileField(_("original"), upload_to="photos/original/")
    public = models.FileField(_("shared copy"), upload_to="photos/public/", help_text=_("oriented, metadata removed"))
    content_type = models.CharField(_("content type"), max_length=30)
    size = models.PositiveIntegerField(_("size in bytes"))
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    objects = PhotoQuerySet.as_manager()

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")

    def __str__(self):
        return self.sha256[:12]

    @property
    def shared_url(self):
        """Where the shared copy is served, to those who may see it; never the media folder."""
        from django.urls import reverse

        return reverse("api:photo-file", args=[self.sha256]) if self.public else None


class PhotoPurpose(models.TextChoices):
    EVIDENCE = "evidence", _("evidence")
    RESULT = "result", _("result")  # the after photo of a matter settled on the spot


class ReportPhoto(models.Model):
    """A photo a report says it has; it may arrive later than the report."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="photos")
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    purpose = models.CharField(_("purpose"), max_length=10, choices=PhotoPurpose.choices, default=PhotoPurpose.EVIDENCE)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["report", "sha256"], name="reportphoto_unique")]


class Handling(models.TextChoices):
    IMMEDIATE = "immediate", _("immediate")  # 即办
    PROMISED = "promised", _("promised")  # 承诺
    JOINT = "joint", _("joint")  # 联办
    PROXY = "proxy", _("proxy")  # 代理


class MediationSource(models.TextChoices):
    APPLICATION = "application", _("party's application")  # 当事人申请
    INITIATIVE = "initiative", _("committee's own initiative")  # 主动调解
    POLICE = "police", _("transferred by the police")  # 公安移交
    COURT = "court", _("entrusted by a court")  # 法院委托
    GOVERNMENT = "government", _("assigned by government")  # 政府指定


class CaseQuerySet(models.QuerySet):
    def open(self):
        # Sorted: the same SQL every time, and the same list as the index of open cases below.
        return self.filter(state__in=sorted(OPEN_STATES))

    def visible_to(self, user):
        from .access import case_scope

        return self.filter(case_scope(user))


class Case(models.Model):
    number = models.CharField(_("case number"), max_length=20, unique=True, null=True, blank=True)
    verification_code = models.CharField(_("verification code"), max_length=8, editable=False)
    kind = models.CharField(_("kind"), max_length=10, choices=CaseKind.choices)
    category = models.ForeignKey(Category, verbose_name=_("category"), on_delete=models.PROTECT)
    grade = models.CharField(_("grade"), max_length=10, choices=Grade.choices)
    severity = models.PositiveSmallIntegerField(_("severity"), default=1)
    description = models.TextField(_("description"))
    point = models.PointField(_("location"), srid=4326)
    cell = models.ForeignKey(GridCell, verbose_name=_("grid cell"), on_delete=models.PROTECT, null=True, blank=True)
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="cases")
    # The deepest code of the place (cell, else village, township or county): jurisdiction
    # checks are one indexed prefix match on it.
    area_code = models.CharField(_("area code"), max_length=15, db_index=True)

    state = models.CharField(_("state"), max_length=20, choices=CaseState.choices, default=CaseState.REPORTED)
    handling = models.CharField(_("handling type"), max_length=10, choices=Handling.choices, default=Handling.PROMISED)
    first_unit = models.ForeignKey(
        Unit, verbose_name=_("first-receiving unit"), on_delete=models.PROTECT, related_name="first_cases"
    )
    current_unit = models.ForeignKey(
        Unit, verbose_name=_("current unit"), on_delete=models.PROTECT, related_name="current_cases"
    )
    dispatcher_unit = models.ForeignKey(
        Unit, verbose_name=_("dispatching unit"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handler"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="handled_cases",
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    version = models.PositiveIntegerField(_("version"), default=1)

    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices, null=True, blank=True)
    stage_started_at = models.DateTimeField(_("stage started at"), null=True, blank=True)
    # The current stage's limit: {"amount": n, "unit": "working_days", "extra_days": approved extensions}.
    stage_limit = models.JSONField(_("time limit of this stage"), default=dict, blank=True)
    stage_pauses = models.JSONField(_("pauses in this stage"), default=list, blank=True)
    due_at = models.DateTimeField(_("due at"), null=True, blank=True, db_index=True)
    # Counted past the last year whose holidays are entered (Monday–Friday there): recomputed
    # by the deadline sweeper once the year is entered (disputes/holidays.py).
    due_provisional = models.BooleanField(_("deadline provisional"), default=False)
    paused_from = models.CharField(_("state before the pause"), max_length=20, choices=CaseState.choices, blank=True)
    # The deadline sweeper's marks for the current stage (cleared when the stage changes), so
    # that a warning or an escalation happens once however many sweepers run.
    warned_at = models.DateTimeField(_("deadline warning sent at"), null=True, blank=True)
    breached_at = models.DateTimeField(_("deadline breach handled at"), null=True, blank=True)

    mediation_source = models.CharField(
        _("mediation source"), max_length=12, choices=MediationSource.choices, blank=True
    )
    rights_notice_at = models.DateTimeField(_("rights and duties notice acknowledged"), null=True, blank=True)
    mediation_due_on = models.DateField(_("mediation due on"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True, help_text=_("why it was rejected, returned or deferred"))
    merged_into = models.ForeignKey(
        "self", verbose_name=_("merged into"), on_delete=models.PROTECT, null=True, blank=True, related_name="merged"
    )
    rework_count = models.PositiveIntegerField(_("rework count"), default=0)
    resident_rating = models.CharField(_("resident's rating"), max_length=12, blank=True)

    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["state", "due_at"]),
            # The assessment's closures of a period (an empty one is answered at once).
            models.Index(fields=["closed_at"], name="disputes_case_closed_at"),
            # And on PostgreSQL only, disputes_case_area_by_id: (id) including area code, state and
            # due time, from which the assessment joins follow-ups and 督办 flags to their cases'
            # areas (migration 0018).
            # The open cases by area and creation, with what the assessment counts of them: closed
            # ones it reads from its summary (assessment.summary), open ones from this index alone.
            models.Index(
                fields=["area_code", "created_at"],
                include=["id", "state", "due_at", "rework_count", "handling", "first_unit"],
                condition=Q(state__in=sorted(OPEN_STATES)),
                name="disputes_case_open_by_area",
            ),
        ]

    def __str__(self):
        return self.number or f"#{self.pk}"

    @property
    def is_open(self):
        return self.state in OPEN_STATES

    def is_overdue(self, now=None):
        return is_overdue(self.state, self.due_at, now or timezone.now())


class PartyRole(models.TextChoices):
    APPLICANT = "applicant", _("applicant")  # 申请人
    RESPONDENT = "respondent", _("respondent")  # 被申请人
    THIRD = "third", _("third party")  # 第三人


class Party(models.Model):
    """A person in a dispute. ID number and phone are masked for all but the handlers."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="parties")
    name = models.CharField(_("name"), max_length=50)
    role = models.CharField(_("role"), max_length=12, choices=PartyRole.choices, default=PartyRole.APPLICANT)
    id_number = models.CharField(_("ID number"), max_length=18, blank=True, validators=[validate_id_number])
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    refuses_mediation = models.BooleanField(_("refuses mediation"), default=False)

    class Meta:
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        ordering = ["id"]
        # The same party in another case, by phone or ID number (disputes.duplicates).
        indexes = [
            models.Index(fields=["phone"], name="party_phone"),
            models.Index(fields=["id_number"], name="party_id_number"),
        ]

    def __str__(self):
        return self.name


class MediationSession(models.Model):
    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="sessions")
    held_at = models.DateTimeField(_("held at"))
    place = models.CharField(_("place"), max_length=200)
    mediators = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("mediators"), related_name="+")
    attendees = models.TextField(_("attendees"))
    record = models.TextField(_("record"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("mediation session")
        verbose_name_plural = _("mediation sessions")
        ordering = ["held_at"]


class ConfirmationOutcome(models.TextChoices):
    PENDING = "pending", _("awaiting the court")
    CONFIRMED = "confirmed", _("confirmed by the court")
    REFUSED = "refused", _("not confirmed by the court")


class Agreement(models.Model):
    """调解协议书, with what article 29 of the People's Mediation Law asks of it."""

    case = models.OneToOneField(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="agreement")
    facts = models.TextField(_("main facts"))
    issues = models.TextField(_("issues in dispute"))
    responsibilities = models.TextField(_("responsibilities of each side"))
    terms = models.TextField(_("agreed terms"))
    performance = models.TextField(_("manner of performance"))
    perform_by = models.DateField(_("perform by"))
    oral = models.BooleanField(_("oral agreement"), default=False)
    mediator = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("mediator"), on_delete=models.PROTECT)
    signed_parties = models.ManyToManyField(Party, verbose_name=_("signed by"), blank=True, related_name="+")
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    confirmation_applied_on = models.DateField(_("judicial confirmation applied on"), null=True, blank=True)
    confirmation_outcome = models.CharField(
        _("judicial confirmation outcome"), max_length=10, choices=ConfirmationOutcome.choices, blank=True
    )
    confirmation_decided_on = models.DateField(_("judicial confirmation decided on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")

    @property
    def effective(self):
        return self.signed_at is not None


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("satisfied")  # 满意
    BASIC = "basic", _("basically satisfied")  # 基本满意
    UNSATISFIED = "unsatisfied", _("unsatisfied")  # 不满意


class FollowUp(models.Model):
    """回访: was the agreement performed, and how satisfied are the parties."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="follow_ups")
    visited_at = models.DateTimeField(_("visited at"), default=timezone.now)
    performed = models.BooleanField(_("agreement performed"))
    satisfaction = models.CharField(_("satisfaction"), max_length=12, choices=Satisfaction.choices, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    visited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["visited_at"]


class RequestKind(models.TextChoices):
    EXTENSION = "extension", _("extension")  # 延期
    DEFERRAL = "deferral", _("deferral")  # 缓办


class Decision(models.TextChoices):
    PENDING = "pending", _("awaiting approval")
    APPROVED = "approved", _("approved")
    REFUSED = "refused", _("not approved")


class CaseRequest(models.Model):
    """A handler's request for more time (延期) or to put the case on hold (缓办)."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="requests")
    kind = models.CharField(_("kind"), max_length=10, choices=RequestKind.choices)
    reason = models.TextField(_("reason"))
    days = models.PositiveIntegerField(_("working days"), null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices, default=Decision.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("extension or deferral request")
        verbose_name_plural = _("extension and deferral requests")
        constraints = [
            # One pending request of each kind at a time.
            models.UniqueConstraint(
                fields=["case", "kind"], condition=Q(decision="pending"), name="caserequest_one_pending_per_kind"
            ),
        ]


class SupplementNotice(models.Model):
    """补办: one notice listing everything the resident still has to bring."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="supplement_notices")
    items = models.JSONField(_("missing items"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("issued by"), on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    fulfilled_at = models.DateTimeField(_("fulfilled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("supplement notice (补办)")
        verbose_name_plural = _("supplement notices (补办)")


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("The audit log is append-only.")

    def delete(self):
        raise PermissionError("The audit log is append-only.")


GRADE_ORDER = [Grade.GREEN, Grade.YELLOW, Grade.ORANGE, Grade.RED]


class Capability(models.Model):
    """Units of `unit_kind` can handle `category` (and its subcategories) up to `max_grade`."""

    unit_kind = models.CharField(_("unit kind"), max_length=30, choices=UnitKind.choices)
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.CASCADE, related_name="capabilities"
    )
    max_grade = models.CharField(_("up to grade"), max_length=10, choices=Grade.choices)

    class Meta:
        verbose_name = _("capability")
        verbose_name_plural = _("capabilities")
        ordering = ["category__code", "unit_kind"]
        constraints = [models.UniqueConstraint(fields=["unit_kind", "category"], name="capability_unique")]

    def __str__(self):
        return f"{self.get_unit_kind_display()} · {self.category} · ≤ {self.get_max_grade_display()}"


class Relation(models.TextChoices):
    ESCALATES_TO = "escalates_to", _("escalates to")  # 上报
    COOPERATES_WITH = "cooperates_with", _("cooperates with")  # 联动协作


class LinkageEdge(models.Model):
    """One link of the joint-linkage chain (联动链) between two units.

    It applies to the listed categories (and their subcategories) and grades; empty lists
    mean every category or every grade.
    """

    source = models.ForeignKey(Unit, verbose_name=_("from"), on_delete=models.CASCADE, related_name="links_out")
    target = models.ForeignKey(Unit, verbose_name=_("to"), on_delete=models.CASCADE, related_name="links_in")
    relation = models.CharField(_("relation"), max_length=20, choices=Relation.choices)
    categories = models.ManyToManyField(Category, verbose_name=_("categories"), blank=True, related_name="+")
    grades = models.JSONField(_("grades"), default=list, blank=True)

    class Meta:
        verbose_name = _("linkage edge")
        verbose_name_plural = _("linkage chain")
        constraints = [
            models.UniqueConstraint(fields=["source", "target", "relation"], name="linkageedge_unique"),
            models.CheckConstraint(condition=~Q(source=F("target")), name="linkageedge_not_a_loop"),
        ]

    def __str__(self):
        return f"{self.source} → {self.target} ({self.get_relation_display()})"

    def clean(self):
        unknown = [grade for grade in self.grades or [] if grade not in Grade.values]
        if unknown:
            raise ValidationError({"grades": _("Unknown grades: %(grades)s.") % {"grades": ", ".join(unknown)}})


class JointTask(models.Model):
    """联办: one summoned unit's part of a jointly handled case (「中心吹哨、部门报到」)."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="joint_tasks")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="joint_tasks")
    instructions = models.TextField(_("instructions"), blank=True)
    summoned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    summoned_at = models.DateTimeField(_("summoned at"), default=timezone.now)
    due_at = models.DateTimeField(_("due at"))
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answer = models.TextField(_("answer"), blank=True)

    class Meta:
        verbose_name = _("joint task")
        verbose_name_plural = _("joint tasks")
        ordering = ["summoned_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "unit"], condition=Q(answered_at__isnull=True), name="jointtask_one_open_per_unit"
            )
        ]


class PastUnit(models.Model):
    """A unit a case has been with and left (escalated, dispatched on, returned): it keeps seeing the
    case read-only, to follow what became of it. Written by the one place a case changes units
    (`workflow.core.apply`)."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="past_units")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    left_at = models.DateTimeField(_("left at"), default=timezone.now)

    class Meta:
        verbose_name = _("unit the case has left")
        verbose_name_plural = _("units the case has left")
        constraints = [models.UniqueConstraint(fields=["unit", "case"], name="pastunit_once_per_case")]

    def __str__(self):
        return f"{self.case} · {self.unit}"


class AuditPurgePermit(models.Model):
    """While a row exists here, the database lets the audit log be deleted (never updated).

    Only for wiping a test or training database: production never writes one.
    """

    reason = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)


# The audit actions of a verification (核查), passed or failed: what a gridworker's ranking counts.
VERIFICATIONS = ("verify", "verify_failed")


class AuditEntry(models.Model):
    """One state change or recorded act. Append-only: database triggers refuse UPDATE and DELETE."""

    seq = models.BigAutoField(_("sequence number"), primary_key=True)
    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="audit")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("actor"), on_delete=models.PROTECT, null=True, related_name="+"
    )
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, null=True, related_name="+")
    action = models.CharField(_("action"), max_length=30)
    from_state = models.CharField(_("from state"), max_length=20, blank=True)
    to_state = models.CharField(_("to state"), max_length=20, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now)

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["seq"]
        # The assessment counts acts of a kind in a period: escalations, verifications, 督办 flags.
        indexes = [
            models.Index(fields=["action", "at"], name="disputes_audit_action_at"),
            # A gridworker's verifications in a period and whether each was on time, from the index
            # alone (PostgreSQL): the assessment's gridworker ranking reads no audit row.
            models.Index(
                fields=["actor", "at"],
                include=["case", "seq"],
                condition=Q(action__in=VERIFICATIONS),
                name="disputes_audit_verifications",
            ),
        ]

    def __str__(self):
        return f"#{self.seq} · {self.action} · {self.case_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The audit log is append-only.")


# --- the holiday calendar (放假调休安排) --------------------------------------------------------


class HolidayYear(models.Model):
    """A year whose official arrangement of holidays and make-up workdays is entered.

    Deadlines in a year without a row count Monday to Friday and are provisional."""

    year = models.PositiveSmallIntegerField(_("year"), primary_key=True)
    notice = models.TextField(
        _("notice"), blank=True, help_text=_("The State Council's notice, or where it was published.")
    )

    class Meta:
        verbose_name = _("holiday calendar of a year")
        verbose_name_plural = _("holiday calendar")
        ordering = ["-year"]

    def __str__(self):
        return str(self.year)


class Holiday(models.Model):
    """Days off from `first` to `last`, both included (放假), weekends among them too."""

    year = models.ForeignKey(HolidayYear, verbose_name=_("year"), on_delete=models.CASCADE, related_name="holidays")
    name = models.CharField(_("name"), max_length=40)
    first = models.DateField(_("first day"))
    last = models.DateField(_("last day"))

    class Meta:
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        ordering = ["first"]
        constraints = [models.CheckConstraint(condition=Q(last__gte=F("first")), name="holiday_last_not_before_first")]

    def __str__(self):
        return f"{self.name} {self.first:%m-%d}–{self.last:%m-%d}"

    def clean(self):
        if self.first and self.last:
            if self.last < self.first:
                raise ValidationError({"last": _("The last day cannot come before the first.")})
            if (self.last - self.first).days > 14:
                raise ValidationError({"last": _("A holiday lasts at most 15 days.")})
            if self.year_id and self.year_id not in (self.first.year, self.last.year):
                raise ValidationError({"first": _("The holiday must fall in its year.")})


class MakeUpWorkday(models.Model):
    """A Saturday or Sunday worked in exchange for a holiday (调休上班)."""

    year = models.ForeignKey(HolidayYear, verbose_name=_("year"), on_delete=models.CASCADE, related_name="workdays")
    day = models.DateField(_("day"), unique=True)
    name = models.CharField(_("for"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("make-up workday")
        verbose_name_plural = _("make-up workdays")
        ordering = ["day"]

    def __str__(self):
        return f"{self.day:%Y-%m-%d}"

    def clean(self):
        if self.day:
            if self.day.weekday() < 5:
                raise ValidationError({"day": _("A make-up workday is a Saturday or a Sunday.")})
            if self.year_id and self.day.year != self.year_id:
                raise ValidationError({"day": _("The day must fall in its year.")})
