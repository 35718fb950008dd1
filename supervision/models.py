"""督查督办: supervision orders on a case, their replies, and residents' complaints (互联网+监督).

An order is a thing of its own, not a flag on the case: who issued it (a centre operator or a
region's leader, or the system for the sweeper's breaches and residents' complaints), on which
case, why, what is required and by when (working days), at which level, addressed to which
unit, and the replies it received. Every change goes through `supervision.services`.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from disputes.models import AuditEntry, Case
from grid.models import Region, Unit


class Level(models.TextChoices):
    TOWNSHIP = "township", _("township")  # 乡镇督办
    COUNTY = "county", _("county")  # 县级督办


class Reason(models.TextChoices):
    OVERDUE = "overdue", _("overdue")  # 超期
    COMPLAINT = "complaint", _("resident complaint")  # 群众投诉
    RED_GRADE = "red_grade", _("red grade")  # 红色等级
    REPEATED_ESCALATION = "repeated_escalation", _("repeated escalation")  # 多次上报
    INSTRUCTION = "instruction", _("leader's instruction")  # 领导批示


class OrderState(models.TextChoices):
    OPEN = "open", _("open")  # 待答复
    REPLIED = "replied", _("replied")  # 已答复
    REMINDED = "reminded", _("reminded")  # 已催办
    ESCALATED = "escalated", _("escalated")  # 已升级
    CLOSED = "closed", _("closed")  # 已办结


# The states in which the addressed unit still owes a reply.
AWAITING_REPLY = (OrderState.OPEN, OrderState.REMINDED, OrderState.ESCALATED)


class OrderQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Orders on the cases `user` may see (disputes.access.case_scope): nothing more."""
        return self.filter(case__in=Case.objects.visible_to(user).values("pk"))

    def of_centre(self, user):
        """The orders issued in the regions `user` supervises (a centre's own list), at any level below."""
        from grid import jurisdiction

        holder = jurisdiction.of(user)
        if holder.everything:
            return self
        scope = Q(pk__in=[])
        for prefix in holder.region_prefixes:
            scope |= Q(region__code__startswith=prefix)
        return self.filter(scope)

    def awaiting_reply(self):
        return self.filter(state__in=AWAITING_REPLY)


class Order(models.Model):
    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="orders")
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("empty when the system issued it (a deadline breach or a resident's complaint)"),
    )
    issuing_unit = models.ForeignKey(
        Unit, verbose_name=_("issuing unit"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    region = models.ForeignKey(Region, verbose_name=_("issuing region"), on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(
        Unit, verbose_name=_("addressed unit"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    required = models.TextField(_("what is required"))
    days = models.PositiveSmallIntegerField(_("working days to reply"))
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now, db_index=True)
    due_at = models.DateTimeField(_("reply due at"), db_index=True)
    state = models.CharField(_("state"), max_length=10, choices=OrderState.choices, default=OrderState.OPEN)
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)
    replied_at = models.DateTimeField(_("first replied at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # The sweeper's breach this order was issued for: one order per breach, whatever runs twice.
    breach = models.OneToOneField(
        AuditEntry,
        verbose_name=_("deadline breach"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = OrderQuerySet.as_manager()

    class Meta:
        verbose_name = _("supervision order")
        verbose_name_plural = _("supervision orders")
        ordering = ["-issued_at", "-pk"]
        indexes = [models.Index(fields=["state", "due_at"], name="supervision_order_due")]
        constraints = [
            # The system issues at most one order per case for each standing reason (red grade,
            # repeated escalation, complaint), whatever runs twice; a breach's order is one per
            # breach (`breach` is unique), so several overdue orders on one case remain possible.
            models.UniqueConstraint(
                fields=["case", "reason"],
                condition=Q(issued_by__isnull=True, breach__isnull=True),
                name="supervision_one_system_order_per_reason",
            )
        ]

    def __str__(self):
        return f"{self.get_reason_display()} · {self.case.number}"

    @property
    def is_late(self):
        """A reply still owed after its deadline."""
        return self.state in AWAITING_REPLY and self.due_at < timezone.now()

    @property
    def answered_on_time(self):
        return self.replied_at is not None and self.replied_at <= self.due_at


class Reply(models.Model):
    order = models.ForeignKey(Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="replies")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    text = models.TextField(_("text"))
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("reply")
        verbose_name_plural = _("replies")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.order_id} · {self.at:%Y-%m-%d %H:%M}"


class Complaint(models.Model):
    """A resident's complaint about the handling of a case (互联网+监督): one per case."""

    case = models.OneToOneField(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="complaint")
    text = models.TextField(_("text"))
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    order = models.OneToOneField(
        Order, verbose_name=_("order"), on_delete=models.PROTECT, null=True, blank=True, related_name="complaint"
    )

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-received_at"]
        constraints = [models.CheckConstraint(condition=~Q(text=""), name="complaint_has_text")]

    def __str__(self):
        return f"{self.case_id} · {self.received_at:%Y-%m-%d}"
