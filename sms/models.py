"""Text messages: one row per message a number is sent, kept with the provider's answer.

The row is written in the transaction of the change it tells of; the job runner sends it after
commit. (phone, event) is unique, so a number is never told the same thing twice, whoever asks.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class MessageState(models.TextChoices):
    QUEUED = "queued", _("queued")
    SENDING = "sending", _("sending")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")


def mask(phone):
    """138****5678: enough to tell numbers apart, not to call one."""
    phone = phone or ""
    if len(phone) < 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


class Message(models.Model):
    phone = models.CharField(_("phone"), max_length=20)
    event = models.CharField(_("event"), max_length=120, help_text=_("What the message tells of; once per number."))
    template = models.CharField(_("template"), max_length=40)
    params = models.JSONField(_("parameters"), default=dict)
    state = models.CharField(_("state"), max_length=10, choices=MessageState.choices, default=MessageState.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    backend = models.CharField(_("backend"), max_length=120, blank=True)
    answer = models.JSONField(_("provider's answer"), default=dict, blank=True)
    error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("text message")
        verbose_name_plural = _("text messages")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["phone", "event"], name="sms_once_per_number_and_event")]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="sms_message_due")]

    def __str__(self):
        return f"{self.template} → {self.masked_phone}"

    @property
    def masked_phone(self):
        return mask(self.phone)


class Preference(models.Model):
    """What a handler chooses to be told by SMS (at the phone of their membership)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="sms_preference"
    )
    new_tasks = models.BooleanField(_("new tasks"), default=False)
    deadline_warnings = models.BooleanField(_("deadline warnings (80 %)"), default=False)

    class Meta:
        verbose_name = _("SMS preference")
        verbose_name_plural = _("SMS preferences")

    def __str__(self):
        return str(self.user)
