"""What the accounts add to Django's users and DRF's tokens: when a phone token was last used,
and which passwords are temporary (set by an administrator, to be changed at the next sign-in)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework.authtoken.models import Token


class TokenActivity(models.Model):
    """When a phone token was last used, to the hour: an idle token expires (TOKEN_IDLE_DAYS)."""

    token = models.OneToOneField(
        Token, verbose_name=_("token"), primary_key=True, on_delete=models.CASCADE, related_name="activity"
    )
    last_used = models.DateTimeField(_("last used"))

    class Meta:
        verbose_name = _("token activity")
        verbose_name_plural = _("token activity")

    def __str__(self):
        return f"{self.token.user} · {self.last_used:%Y-%m-%d %H:%M}"


class TemporaryPassword(models.Model):
    """The user's password was set by an administrator: they must choose their own at next sign-in."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="temporary_password",
    )
    set_at = models.DateTimeField(_("set at"), auto_now=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("set by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("temporary password")
        verbose_name_plural = _("temporary passwords")

    def __str__(self):
        return str(self.user)
