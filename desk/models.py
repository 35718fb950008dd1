"""The desk's own records: the places a county lists (landmarks and 门牌 addresses) and the calls
its clerks took. A call makes its case through `disputes.intake` like any report; what the desk
keeps beside it is only what a report has no field for (the caller's ID number, how it ended)."""

from django.conf import settings
from django.contrib.gis.db import models
from django.utils.translation import gettext_lazy as _

from grid.models import Region


class PlaceKind(models.TextChoices):
    LANDMARK = "landmark", _("landmark")
    ADDRESS = "address", _("address")  # 门牌地址


class Place(models.Model):
    """A named point a caller may give instead of coordinates. Found by its name or pinyin, never
    by area, so its point has no spatial index (one fewer index for SQLite to keep in step)."""

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=PlaceKind.choices, default=PlaceKind.LANDMARK)
    point = models.PointField(_("point"), srid=4326, spatial_index=False)
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.CASCADE, related_name="+", help_text=_("deepest region")
    )
    terms = models.CharField(_("search terms"), max_length=1000, blank=True, help_text=_("name, pinyin and initials"))

    class Meta:
        verbose_name = _("place")
        verbose_name_plural = _("places")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["region", "kind", "name"], name="desk_place_unique_name")]

    def __str__(self):
        return self.name


class Outcome(models.TextChoices):
    ROUTED = "routed", _("routed along the linkage chain")
    SETTLED = "settled", _("settled on the call (即办)")
    ASSIGNED = "assigned", _("assigned by hand")
    ATTACHED = "attached", _("attached to an existing case")


class Call(models.Model):
    """A call or walk-in the desk took: its report (and so its case), and what the report does not hold."""

    report = models.OneToOneField(
        "disputes.Report",
        verbose_name=_("report"),
        on_delete=models.PROTECT,
        primary_key=True,
        related_name="desk_call",
    )
    clerk = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("clerk"), on_delete=models.PROTECT, related_name="+"
    )
    caller_id_number = models.CharField(_("caller's ID number"), max_length=18, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    taken_at = models.DateTimeField(_("taken at"), auto_now_add=True)

    class Meta:
        verbose_name = _("call")
        verbose_name_plural = _("calls")

    def __str__(self):
        return str(self.report_id)


class ServiceHandling(models.TextChoices):
    IMMEDIATE = "immediate", _("settled at once (即办)")
    PROMISED = "promised", _("promised in working days (承诺)")
    JOINT = "joint", _("handled jointly (联办)")
    REFERRED = "referred", _("referred upwards for approval (上报)")


class ServiceItem(models.Model):
    """One item of the county's catalogue of service items (政务服务事项), edited in the admin."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    deciding_unit = models.CharField(
        _("deciding unit"), max_length=100, help_text=_("the unit that decides or approves")
    )
    handling = models.CharField(_("handling type"), max_length=10, choices=ServiceHandling.choices)
    promised_days = models.PositiveSmallIntegerField(_("promised working days"), default=0, help_text=_("0: at once"))
    materials = models.JSONField(_("materials required"), default=list, blank=True)
    category = models.ForeignKey(
        "disputes.Category",
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("the category its cases are counted under"),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("service item")
        verbose_name_plural = _("service items")
        ordering = ["name"]

    def __str__(self):
        return self.name


class ServiceMatter(models.Model):
    """A resident's service matter (办事): an ordinary case, opened from a catalogue item."""

    case = models.OneToOneField(
        "disputes.Case",
        verbose_name=_("case"),
        on_delete=models.PROTECT,
        primary_key=True,
        related_name="service_matter",
    )
    item = models.ForeignKey(ServiceItem, verbose_name=_("service item"), on_delete=models.PROTECT, related_name="+")
    resident_name = models.CharField(_("resident"), max_length=50)
    resident_id_number = models.CharField(_("resident's ID number"), max_length=18, blank=True)
    received = models.JSONField(_("materials received"), default=list, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("opened by"), on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField(_("opened at"), auto_now_add=True)

    class Meta:
        verbose_name = _("service matter")
        verbose_name_plural = _("service matters")

    def __str__(self):
        return f"{self.item} · {self.resident_name}"


class ColumnMapping(models.Model):
    """Which column of a unit's 12345 export holds what: confirmed once by a clerk, remembered for
    the unit's next file. `columns` maps a field of `desk.hotline.FIELDS` to a header of the file."""

    unit = models.OneToOneField(
        "grid.Unit", verbose_name=_("unit"), on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    columns = models.JSONField(_("columns"), default=dict, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("updated by"), on_delete=models.PROTECT, related_name="+", null=True
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("12345 column mapping")
        verbose_name_plural = _("12345 column mappings")

    def __str__(self):
        return str(self.unit_id)


class WorkOrder(models.Model):
    """A 12345 hotline work order (工单) taken in from the platform's file: its number, once (the
    unique constraint decides between two imports of the same file), and the row as it came."""

    number = models.CharField(_("work order number"), max_length=64, unique=True)
    report = models.OneToOneField(
        "disputes.Report", verbose_name=_("report"), on_delete=models.PROTECT, related_name="work_order"
    )
    payload = models.JSONField(_("row as received"), default=dict)
    warnings = models.JSONField(_("warnings"), default=list, blank=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("imported by"), on_delete=models.PROTECT, related_name="+"
    )
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)

    class Meta:
        verbose_name = _("12345 work order")
        verbose_name_plural = _("12345 work orders")
        ordering = ["-imported_at", "number"]

    def __str__(self):
        return self.number
