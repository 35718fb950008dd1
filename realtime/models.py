"""The event stream's rows: a transactional outbox that realtime owns.

The services write an `Event` (and the groups it goes to) in the same transaction as the
change it reports, through `realtime.publish.record`; nothing here refers to cases by
foreign key, so realtime knows nothing of them. `seq` is the stream position, handed out in
commit order by `StreamCounter` (see `realtime.publish`); it is the primary key, so that the
catch-up index (group, event) is ordered by stream position.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .events import EventKind


class Event(models.Model):
    seq = models.BigIntegerField(_("stream position"), primary_key=True)
    audit_seq = models.BigIntegerField(_("audit sequence number"), db_index=True)
    kind = models.CharField(_("kind"), max_length=20, choices=EventKind.choices)
    # Empty for an event about something other than a case (an early warning: its id is in the payload).
    case_id = models.BigIntegerField(_("case id"), db_index=True, null=True, blank=True)
    # The deepest code of the place (15-digit cell code, else a 12-digit region code).
    area_code = models.CharField(_("area code"), max_length=15, db_index=True)
    # Audience-safe: what every member of the groups below may see (realtime.events).
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["seq"]

    def __str__(self):
        return f"#{self.seq} {self.get_kind_display()} · {self.area_code}"


class EventGroup(models.Model):
    """One group an event goes to: region.<code>, cell.<code>, unit.<id> or user.<id>."""

    event = models.ForeignKey(Event, verbose_name=_("event"), on_delete=models.CASCADE, related_name="groups")
    group = models.CharField(_("group"), max_length=40)

    class Meta:
        verbose_name = _("event group")
        verbose_name_plural = _("event groups")
        constraints = [models.UniqueConstraint(fields=["event", "group"], name="eventgroup_unique")]
        indexes = [models.Index(fields=["group", "event"], name="eventgroup_catch_up")]

    def __str__(self):
        return self.group


class StreamCounter(models.Model):
    """One row (id=1): the last stream position handed out. Its row lock orders the stream."""

    number = models.BigIntegerField(_("last stream position"), default=0)

    class Meta:
        verbose_name = _("stream counter")
        verbose_name_plural = _("stream counter")

    def __str__(self):
        return str(self.number)
