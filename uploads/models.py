"""A resumable photo upload (tus): who sends which bytes, how many have arrived, until when.

The bytes themselves never sit in a row: they grow in a file under MEDIA_ROOT (`partial.path`)
until the last one arrives, and then go to the photo store (disputes/photos.py), which keeps one
file per SHA-256.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UploadQuerySet(models.QuerySet):
    def visible_to(self, user):
        """An upload is its sender's alone: nobody else may learn of it, continue it or see how far it got."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(owner=user)


class Upload(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("sender"), on_delete=models.CASCADE, related_name="+"
    )
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    content_type = models.CharField(_("content type"), max_length=30)
    length = models.PositiveBigIntegerField(_("length in bytes"))
    offset = models.PositiveBigIntegerField(_("bytes received"), default=0)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"), db_index=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    objects = UploadQuerySet.as_manager()

    class Meta:
        verbose_name = _("resumable upload")
        verbose_name_plural = _("resumable uploads")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(offset__lte=models.F("length")), name="upload_offset_within_length"
            )
        ]

    def __str__(self):
        return f"{self.sha256[:12]} {self.offset}/{self.length}"

    @property
    def complete(self):
        return self.completed_at is not None
