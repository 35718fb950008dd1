"""A county's scoring scheme (考核方案): weights per indicator, deductions and bonuses, valid for a
period of days so that a past period is scored with the scheme that held then."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from grid.models import Region

from .indicators import INDICATORS

RATE_CHOICES = [(key, i.name) for key, i in INDICATORS.items() if i.unit == "rate"]


def points(default, label):
    return models.DecimalField(label, max_digits=6, decimal_places=2, default=Decimal(default))


class Scheme(models.Model):
    county = models.ForeignKey(
        Region, verbose_name=_("county"), on_delete=models.CASCADE, limit_choices_to={"level": "county"}
    )
    name = models.CharField(_("name"), max_length=100)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True, help_text=_("inclusive; empty: until replaced"))
    per_overdue = points("1", _("deducted per overdue case"))
    per_rework = points("0.5", _("deducted per rework"))
    per_complaint = points("1", _("deducted per justified complaint"))
    per_missed_supervision = points("2", _("deducted per missed supervision reply"))
    per_on_spot = points("0.2", _("added per matter settled on the spot"))
    per_report = points("1", _("a gridworker's points per report"))
    per_on_spot_report = points("2", _("a gridworker's points per matter settled on the spot"))
    per_verification = points("1", _("a gridworker's points per verification on time"))
    per_active_day = points("0.5", _("a gridworker's points per day with activity"))

    class Meta:
        verbose_name = _("scoring scheme")
        verbose_name_plural = _("scoring schemes")
        ordering = ["county", "-valid_from"]

    def __str__(self):
        return f"{self.name} ({self.valid_from}–{self.valid_to or '…'})"

    def clean(self):
        if self.valid_to and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": _("A scheme cannot end before it starts.")})
        others = Scheme.objects.filter(county_id=self.county_id).exclude(pk=self.pk)
        overlap = others.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=self.valid_from))
        if self.valid_to:
            overlap = overlap.filter(valid_from__lte=self.valid_to)
        if self.county_id and overlap.exists():
            raise ValidationError(_("Another scheme of this county is valid on some of these days."))


class SchemeWeight(models.Model):
    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="weights")
    indicator = models.CharField(_("indicator"), max_length=40, choices=RATE_CHOICES)
    weight = models.DecimalField(_("weight"), max_digits=6, decimal_places=2)

    class Meta:
        verbose_name = _("weight")
        verbose_name_plural = _("weights")
        constraints = [models.UniqueConstraint(fields=["scheme", "indicator"], name="one_weight_per_indicator")]

    def __str__(self):
        return f"{self.indicator}: {self.weight}"


# --- summaries of what can no longer change (assessment/summary.py) ---------------------------


class ClosedCases(models.Model):
    """How many closed cases share every field the rankings count them by.

    A closed case never changes again in anything counted here, so it is added once, in the
    transaction that closes it (`summary.recorded`); open cases are always read from the cases
    themselves. Months are local (the server's zone), the periods' unit.
    """

    prefix = models.CharField(max_length=12)  # the area code's first 12 digits: the village
    first_unit = models.IntegerField()  # the first unit's id, 0 for none
    closing_kind = models.CharField(max_length=30)  # the kind of the unit holding it at closure, "" for none
    created_month = models.DateField()
    closed_month = models.DateField()
    reworked = models.BooleanField()  # sent back at verification at least once
    on_spot = models.BooleanField()  # settled on the spot by its reporter
    late = models.BooleanField()  # escalated by the deadline sweeper at least once
    n = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "prefix",
                    "first_unit",
                    "closing_kind",
                    "created_month",
                    "closed_month",
                    "reworked",
                    "on_spot",
                    "late",
                ],
                name="one_closed_cases_row",
            )
        ]

    def __str__(self):
        return f"{self.prefix} {self.created_month:%Y-%m}→{self.closed_month:%Y-%m}: {self.n}"


class FollowUpCounts(models.Model):
    """How many follow-ups (回访) were recorded per village, first unit, month and satisfaction: a
    follow-up is never changed once recorded, so it is added in the transaction that records it."""

    prefix = models.CharField(max_length=12)
    first_unit = models.IntegerField()
    month = models.DateField()
    satisfaction = models.CharField(max_length=12)
    n = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["prefix", "first_unit", "month", "satisfaction"], name="one_follow_up_counts_row"
            )
        ]

    def __str__(self):
        return f"{self.prefix} {self.month:%Y-%m} {self.satisfaction}: {self.n}"
