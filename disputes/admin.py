"""Administration of disputes.

Categories and their stage time limits are edited here. Everything a case is made of (the
case, its reports, parties, records and audit trail) is shown read-only: a case changes only
through the verbs of `disputes.workflow`, which check who acts and write the audit log.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from leaflet.admin import LeafletAdminWidget

from grid.admin import township_filter
from grid.models import display_name

# The linkage chain's admin lives with the chain; importing it registers it.
from . import holidays
from .linkage import admin as linkage_admin  # noqa: F401
from .models import (
    Agreement,
    AuditEntry,
    Case,
    CaseRequest,
    Category,
    FollowUp,
    Holiday,
    HolidayYear,
    MakeUpWorkday,
    MediationSession,
    Party,
    Photo,
    Report,
    ReportPhoto,
    StageLimit,
    SupplementNotice,
)

# --- categories and time limits ---------------------------------------------------------------


class StageLimitInline(admin.TabularInline):
    """The time limit of each stage; a stage without one inherits the parent category's."""

    model = StageLimit
    fields = ["stage", "amount", "unit"]
    extra = 1


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "indented_name", "level", "kind", "default_grade", "active", "public", "limits_summary"]
    list_display_links = ["code", "indented_name"]
    list_filter = ["level", "kind", "default_grade", "active", "public"]
    search_fields = ["code", "name", "keywords"]
    autocomplete_fields = ["parent"]
    ordering = ["code"]
    list_per_page = 200
    fields = ["code", "name", "keywords", "parent", "level", "kind", "default_grade", "active", "public"]
    inlines = [StageLimitInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("limits")

    @admin.display(description=_("name"), ordering="name")
    def indented_name(self, category):
        # The codes sort parents before children, so indenting by level shows the tree.
        return format_html('<span style="padding-left:{}em">{}</span>', 1.5 * (category.level - 1), category.name)

    @admin.display(description=_("time limits"))
    def limits_summary(self, category):
        return "; ".join(str(limit) for limit in category.limits.all()) or "—"


# --- read-only base -----------------------------------------------------------------------------


class ReadOnlyMixin:
    """Viewable by whoever may view; nobody adds, changes or deletes here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(ReadOnlyMixin, admin.TabularInline):
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields


# --- cases --------------------------------------------------------------------------------------


class PartyInline(ReadOnlyInline):
    """Administrators see the parties in full, as the handlers do."""

    model = Party
    fields = ["name", "role", "id_number", "phone", "address", "refuses_mediation"]


class ReportInline(ReadOnlyInline):
    model = Report
    fields = ["report_link", "source", "received_at", "reporter", "description", "severity"]
    verbose_name_plural = _("reports")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("reporter")

    @admin.display(description=_("report"))
    def report_link(self, report):
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:disputes_report_change", args=[report.pk]), str(report.pk)[:8]
        )


class SessionInline(ReadOnlyInline):
    model = MediationSession
    fields = ["held_at", "place", "mediator_names", "attendees", "record"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("mediators")

    @admin.display(description=_("mediators"))
    def mediator_names(self, session):
        return "、".join(display_name(user) for user in session.mediators.all())


class AgreementInline(ReadOnlyMixin, admin.StackedInline):
    model = Agreement
    fields = [
        "facts",
        "issues",
        "responsibilities",
        "terms",
        "performance",
        "perform_by",
        "oral",
        "mediator_name",
        "signed_at",
        "confirmation_applied_on",
        "confirmation_outcome",
        "confirmation_decided_on",
        "documents",
    ]
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("mediator")

    @admin.display(description=_("mediator"))
    def mediator_name(self, agreement):
        return display_name(agreement.mediator)

    @admin.display(description=_("printable document"))
    def documents(self, agreement):
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a> · <a href="{}">{}</a>',
            reverse("admin:disputes_case_agreement_html", args=[agreement.case_id]),
            _("HTML for printing"),
            reverse("admin:disputes_case_agreement_pdf", args=[agreement.case_id]),
            _("PDF"),
        )


class FollowUpInline(ReadOnlyInline):
    model = FollowUp
    fields = ["visited_at", "performed", "satisfaction", "notes", "visitor"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("visited_by")

    @admin.display(description=_("visited by"))
    def visitor(self, follow_up):
        return display_name(follow_up.visited_by)


class AuditInline(ReadOnlyInline):
    model = AuditEntry
    fields = ["seq", "at", "action", "transition", "actor", "unit", "details"]
    verbose_name_plural = _("audit log")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor", "unit")

    @admin.display(description=_("state change"))
    def transition(self, entry):
        return _transition(entry)


def _transition(entry):
    if not entry.from_state and not entry.to_state:
        return "—"
    return f"{entry.from_state or '∅'} → {entry.to_state or entry.from_state}"


@admin.register(Case)
class CaseAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["number", "category", "state", "grade", "current_unit", "due_at", "overdue"]
    list_filter = ["state", "grade", "kind", "mediation_source", township_filter("area_code")]
    list_select_related = ["category", "current_unit"]
    search_fields = ["number", "description"]
    date_hierarchy = "created_at"
    ordering = ["-created_at"]
    fieldsets = [
        (
            None,
            {"fields": ["number", "kind", "category", "grade", "severity", "description", "state", "handling"]},
        ),
        (
            _("Place"),
            {"fields": ["region", "cell", "area_code", "coordinates"]},
        ),
        (
            _("Units and people"),
            {"fields": ["first_unit", "current_unit", "dispatcher_unit", "handler_name"]},
        ),
        (
            _("Time limits"),
            {
                "fields": [
                    "stage",
                    "stage_started_at",
                    "stage_limit",
                    "due_at",
                    "overdue",
                    "paused_from",
                    "rework_count",
                ]
            },
        ),
        (
            _("Mediation"),
            {"fields": ["mediation_source", "rights_notice_at", "mediation_due_on"]},
        ),
        (
            _("Outcome"),
            {
                "fields": [
                    "reason",
                    "merged_into",
                    "resident_rating",
                    "created_at",
                    "accepted_at",
                    "resolved_at",
                    "closed_at",
                    "version",
                ]
            },
        ),
    ]
    inlines = [PartyInline, ReportInline, SessionInline, AgreementInline, FollowUpInline, AuditInline]

    def get_readonly_fields(self, request, obj=None):
        return [field for _title, options in self.fieldsets for field in options["fields"]]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related(
                "category", "region", "cell", "first_unit", "current_unit", "dispatcher_unit", "handler", "merged_into"
            )
        )

    @admin.display(description=_("overdue"), boolean=True)
    def overdue(self, case):
        return case.is_overdue()

    @admin.display(description=_("location"))
    def coordinates(self, case):
        return f"{case.point.y:.6f}, {case.point.x:.6f}" if case.point else "—"

    @admin.display(description=_("handler"))
    def handler_name(self, case):
        return display_name(case.handler) if case.handler else "—"

    # The agreement as a document, for printing and signing.

    def get_urls(self):
        return [
            path(
                "<path:object_id>/agreement.html",
                self.admin_site.admin_view(self.agreement_html_view),
                name="disputes_case_agreement_html",
            ),
            path(
                "<path:object_id>/agreement.pdf",
                self.admin_site.admin_view(self.agreement_pdf_view),
                name="disputes_case_agreement_pdf",
            ),
            *super().get_urls(),
        ]

    def _agreement(self, request, object_id):
        case = self.get_object(request, object_id)
        if case is None:
            raise Http404
        if not self.has_view_permission(request, case):
            raise PermissionDenied
        return get_object_or_404(Agreement.objects.select_related("case__current_unit", "mediator"), case=case)

    def agreement_html_view(self, request, object_id):
        from .documents import agreement_html

        return HttpResponse(agreement_html(self._agreement(request, object_id)))

    def agreement_pdf_view(self, request, object_id):
        from .documents import agreement_pdf

        agreement = self._agreement(request, object_id)
        response = HttpResponse(agreement_pdf(agreement), content_type="application/pdf")
        response["Content-Disposition"] = (
            f'inline; filename="agreement-{agreement.case.number or agreement.case_id}.pdf"'
        )
        return response


# --- audit log ----------------------------------------------------------------------------------


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["seq", "at", "case", "action", "transition", "actor", "unit"]
    list_filter = ["action"]
    list_select_related = ["case", "actor", "unit"]
    search_fields = ["case__number", "action"]
    ordering = ["-seq"]
    fields = ["seq", "at", "case", "action", "from_state", "to_state", "actor", "unit", "details"]
    readonly_fields = fields
    actions = None

    @admin.display(description=_("state change"))
    def transition(self, entry):
        return _transition(entry)


# --- reports and photos -------------------------------------------------------------------------


class ReportPointWidget(LeafletAdminWidget):
    """The reported point on a map that cannot be edited."""

    template_name = "leaflet/admin/widget.html"
    geom_type = "POINT"
    modifiable = False


class ReportPhotoInline(ReadOnlyInline):
    model = ReportPhoto
    fields = ["sha256", "purpose"]


@admin.register(Report)
class ReportAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["short_id", "source", "category", "received_at", "reporter", "case", "resolved_on_site"]
    list_filter = ["source", "resolved_on_site", township_filter("region__code")]
    list_select_related = ["category", "reporter", "case"]
    search_fields = ["description", "case__number", "contact_name"]
    date_hierarchy = "received_at"
    ordering = ["-received_at"]
    fields = [
        "id",
        "source",
        "category",
        "description",
        "map",
        "accuracy_m",
        "region",
        "cell",
        "occurred_at",
        "received_at",
        "reporter",
        "contact_name",
        "contact_phone",
        "severity",
        "resolved_on_site",
        "on_site_result",
        "parties",
        "case",
        "content_hash",
    ]
    readonly_fields = fields
    inlines = [ReportPhotoInline]

    @property
    def media(self):
        return super().media + ReportPointWidget().media

    @admin.display(description=_("report"), ordering="received_at")
    def short_id(self, report):
        return str(report.pk)[:8]

    @admin.display(description=_("location"))
    def map(self, report):
        widget = ReportPointWidget(attrs={"map_width": "100%", "map_height": "320px"})
        return widget.render("point", report.point, attrs={"id": "id_point"})


@admin.register(Photo)
class PhotoAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["thumbnail", "short_hash", "content_type", "width", "height", "size", "uploaded_by", "uploaded_at"]
    list_filter = ["content_type"]
    list_select_related = ["uploaded_by"]
    search_fields = ["sha256"]
    date_hierarchy = "uploaded_at"
    ordering = ["-uploaded_at"]
    fields = ["preview", "sha256", "content_type", "size", "width", "height", "uploaded_by", "uploaded_at", "public"]
    readonly_fields = fields

    @admin.display(description=_("SHA-256"), ordering="sha256")
    def short_hash(self, photo):
        return str(photo)

    @admin.display(description=_("thumbnail"))
    def thumbnail(self, photo):
        return self._image(photo, 80)

    @admin.display(description=_("shared copy"))
    def preview(self, photo):
        return self._image(photo, 480)

    @staticmethod
    def _image(photo, size):
        # Only the shared copy (oriented, without metadata) is shown, never the original.
        if not photo.public:
            return "—"
        return format_html(
            '<img src="{}" alt="{}" loading="lazy" style="max-width:{}px;max-height:{}px">',
            photo.shared_url,
            str(photo),
            size,
            size,
        )


# --- requests and notices -----------------------------------------------------------------------


@admin.register(CaseRequest)
class CaseRequestAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["case", "kind", "days", "requested_by", "requested_at", "decision", "decided_by", "decided_at"]
    list_filter = ["kind", "decision"]
    list_select_related = ["case", "requested_by", "decided_by"]
    search_fields = ["case__number", "reason"]
    ordering = ["-requested_at"]
    fields = ["case", "kind", "reason", "days", "requested_by", "requested_at", "decision", "decided_by", "decided_at"]
    readonly_fields = fields


@admin.register(SupplementNotice)
class SupplementNoticeAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["case", "item_list", "issued_by", "issued_at", "fulfilled_at"]
    list_filter = [("fulfilled_at", admin.EmptyFieldListFilter)]
    list_select_related = ["case", "issued_by"]
    search_fields = ["case__number"]
    ordering = ["-issued_at"]
    fields = ["case", "item_list", "issued_by", "issued_at", "fulfilled_at"]
    readonly_fields = fields

    @admin.display(description=_("missing items"))
    def item_list(self, notice):
        items = notice.items if isinstance(notice.items, list) else [notice.items]
        return format_html_join("", "<div>{}</div>", ((str(item),) for item in items)) or "—"


# --- the holiday calendar ------------------------------------------------------------------


class HolidayInline(admin.TabularInline):
    model = Holiday
    extra = 7  # the seven holidays of a usual year: 元旦, 春节, 清明, 劳动节, 端午, 中秋, 国庆
    fields = ["name", "first", "last"]


class MakeUpWorkdayInline(admin.TabularInline):
    model = MakeUpWorkday
    extra = 6
    fields = ["day", "name"]


@admin.register(HolidayYear)
class HolidayYearAdmin(admin.ModelAdmin):
    """A year's notice entered in minutes: each holiday as a range, each make-up workday as a day.

    Saving moves the calendar's version: every process counts with it at once, and the deadline
    sweeper recomputes the provisional deadlines that reach into the year."""

    inlines = [HolidayInline, MakeUpWorkdayInline]
    list_display = ["year", "holiday_list", "workday_list", "notice"]
    fields = ["year", "notice"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("holidays", "workdays")

    @admin.display(description=_("holidays"))
    def holiday_list(self, obj):
        return "、".join(str(holiday) for holiday in obj.holidays.all())

    @admin.display(description=_("make-up workdays"))
    def workday_list(self, obj):
        return "、".join(f"{day.day:%m-%d}" for day in obj.workdays.all())

    def changelist_view(self, request, extra_context=None):
        missing = holidays.warning()
        if missing:
            messages.error(request, missing)
        return super().changelist_view(request, extra_context)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Inline rows saved or deleted bump the token through their signals; say what follows.
        messages.info(
            request, _("Deadlines are counted with this calendar from now on; provisional ones are recomputed.")
        )
