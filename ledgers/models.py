import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ExportFormat(models.TextChoices):
    XLSX = "xlsx", _("Excel (.xlsx)")
    CSV = "csv", _("CSV (UTF-8)")


class ExportState(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class Export(models.Model):
    """One ledger written to a file by the job runner, for the user who asked (and only them)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="exports")
    register = models.CharField(_("register"), max_length=30)
    format = models.CharField(_("format"), max_length=4, choices=ExportFormat.choices)
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    language = models.CharField(_("language"), max_length=10, default="zh-hans", help_text=_("of the headers"))
    state = models.CharField(_("state"), max_length=10, choices=ExportState.choices, default=ExportState.QUEUED)
    rows_total = models.PositiveIntegerField(_("rows in all"), null=True, blank=True)
    rows_done = models.PositiveIntegerField(_("rows written"), default=0)
    file = models.CharField(_("file"), max_length=200, blank=True)
    size = models.PositiveBigIntegerField(_("size in bytes"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("asked at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self):
        return f"{self.register}.{self.format} ({self.state})"
