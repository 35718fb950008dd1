"""预警研判: warnings of rising disputes, their trail, the county's risk words and the hot-cell layer.

A warning has a kind, a place (a grid cell, a village, a set of parties or one case), the
evidence the detector found (statistic, p-value, counts, case ids), a level, and a life:
raised → studied (研判, with a note) → acted on (a case, joint handling, supervision) or
dismissed (with a reason). While a warning is open the same (kind, place) is updated, never
raised twice: a partial unique constraint says so in the database, whatever runs the analysis.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grid.models import GridCell, Region


class WarningKind(models.TextChoices):
    HOTSPOT = "hotspot", _("hot spot")  # 热点: Gi* over the cells' neighbourhood
    TREND = "trend", _("rising trend")  # 趋势: more than the place's own history predicts
    PARTIES = "parties", _("escalating parties")  # 同一当事人多次纠纷
    RISK_WORDS = "risk_words", _("risk words")  # 风险词: violence or group petition


class Level(models.TextChoices):
    BLUE = "blue", _("blue")  # 蓝: a hidden risk to follow
    YELLOW = "yellow", _("yellow")
    ORANGE = "orange", _("orange")  # 橙: likely to escalate
    RED = "red", _("red")


LEVEL_ORDER = [Level.BLUE, Level.YELLOW, Level.ORANGE, Level.RED]


class WarningState(models.TextChoices):
    RAISED = "raised", _("raised")
    STUDIED = "studied", _("studied")  # 已研判
    ACTED = "acted", _("acted on")  # 已处置
    DISMISSED = "dismissed", _("dismissed")  # 已排除


OPEN_WARNING_STATES = (WarningState.RAISED, WarningState.STUDIED)


class ActKind(models.TextChoices):
    CASE = "case", _("handled as a case")
    JOINT = "joint", _("joint handling")  # 联办
    SUPERVISION = "supervision", _("supervision order")  # 督办


class WarningQuerySet(models.QuerySet):
    def open(self):
        return self.filter(state__in=OPEN_WARNING_STATES)

    def visible_to(self, user):
        from .access import warning_scope

        return self.filter(warning_scope(user))


class Warning(models.Model):
    kind = models.CharField(_("kind"), max_length=12, choices=WarningKind.choices)
    # What makes two warnings "the same": "cell:<code>", "region:<code>", "parties:<hash>", "case:<id>".
    place_key = models.CharField(_("place key"), max_length=80)
    place_name = models.CharField(_("place"), max_length=200)
    cell = models.ForeignKey(GridCell, verbose_name=_("grid cell"), on_delete=models.PROTECT, null=True, blank=True)
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    # The deepest code of the place: who sees a warning is one prefix match on it, as for cases.
    area_code = models.CharField(_("area code"), max_length=15, db_index=True)
    level = models.CharField(_("level"), max_length=8, choices=Level.choices)
    state = models.CharField(_("state"), max_length=10, choices=WarningState.choices, default=WarningState.RAISED)
    # {"statistic": …, "p_value": …, "q_value": …, "counts": {...}, "case_ids": [...], ...}
    evidence = models.JSONField(_("evidence"), default=dict, blank=True)
    score = models.FloatField(_("score"), default=0, help_text=_("the detector's statistic (z-score, surprise …)"))
    raised_at = models.DateTimeField(_("raised at"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    times_seen = models.PositiveIntegerField(_("times seen"), default=1)
    studied_at = models.DateTimeField(_("studied at"), null=True, blank=True)
    studied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("studied by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    study_note = models.TextField(_("study note"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    act_kind = models.CharField(_("action taken"), max_length=12, choices=ActKind.choices, blank=True)
    linked_case = models.ForeignKey(
        "disputes.Case",
        verbose_name=_("linked case"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    close_note = models.TextField(_("note or reason"), blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    objects = WarningQuerySet.as_manager()

    class Meta:
        verbose_name = _("warning")
        verbose_name_plural = _("warnings")
        ordering = ["-raised_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "place_key"],
                condition=Q(state__in=OPEN_WARNING_STATES),
                name="warning_one_open_per_place",
            )
        ]
        indexes = [models.Index(fields=["state", "level"], name="earlywarning_state_level")]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.place_name}"

    @property
    def is_open(self):
        return self.state in OPEN_WARNING_STATES


class WarningEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("The warnings' trail is append-only.")

    def delete(self):
        raise PermissionError("The warnings' trail is append-only.")


class WarningEntry(models.Model):
    """One act on a warning (raised, updated, studied, acted on, dismissed): the warnings' audit trail."""

    seq = models.BigAutoField(_("sequence number"), primary_key=True)
    warning = models.ForeignKey(Warning, verbose_name=_("warning"), on_delete=models.CASCADE, related_name="trail")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("actor"), on_delete=models.PROTECT, null=True, related_name="+"
    )
    action = models.CharField(_("action"), max_length=20)
    from_state = models.CharField(_("from state"), max_length=10, blank=True)
    to_state = models.CharField(_("to state"), max_length=10, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now)

    objects = WarningEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("warning trail entry")
        verbose_name_plural = _("warnings' trail")
        ordering = ["seq"]

    def __str__(self):
        return f"#{self.seq} · {self.action} · {self.warning_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("The warnings' trail is append-only.")
        super().save(*args, **kwargs)


class RiskWordSeverity(models.TextChoices):
    YELLOW = "yellow", _("yellow")
    ORANGE = "orange", _("orange")
    RED = "red", _("red")


class RiskWord(models.Model):
    """A word in a report that signals a risk of violence or a group petition (民转刑, 群体性上访)."""

    word = models.CharField(_("word"), max_length=20, unique=True)
    level = models.CharField(_("level"), max_length=8, choices=RiskWordSeverity.choices, default="yellow")
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("risk word")
        verbose_name_plural = _("risk words")
        ordering = ["word"]

    def __str__(self):
        return self.word


class HotCell(models.Model):
    """The last analysis's Gi* for a cell with a positive z-score: the map's hot-cell layer."""

    cell = models.OneToOneField(
        GridCell, verbose_name=_("grid cell"), on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    area_code = models.CharField(_("area code"), max_length=15, db_index=True)
    z = models.FloatField(_("Gi* z-score"))
    p = models.FloatField(_("p-value"))
    count = models.PositiveIntegerField(_("count"))
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("hot cell")
        verbose_name_plural = _("hot cells")

    def __str__(self):
        return f"{self.area_code} z={self.z}"


class AnalysisRun(models.Model):
    """One row per region: its last analysis. Claimed by a conditional update, so two copies never
    analyse one region at once (analysis.claim)."""

    region = models.OneToOneField(Region, verbose_name=_("region"), on_delete=models.CASCADE, related_name="+")
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    summary = models.JSONField(_("summary"), default=dict, blank=True)

    class Meta:
        verbose_name = _("analysis run")
        verbose_name_plural = _("analysis runs")

    def __str__(self):
        return f"{self.region_id}: {self.finished_at}"
