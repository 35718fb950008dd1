"""Queue a message in the caller's transaction; send it on the job runner after commit.

`queue` writes the Message row (the unique (phone, event) decides a second ask: nothing is
inserted and nothing sent) and enqueues the sending task on commit, so a request never waits
for a provider. `deliver` runs in the worker: it claims the row with a conditional update (safe
with several workers), sends it, and records the answer; a failure worth retrying is tried
again later with exponential backoff, up to SMS_MAX_ATTEMPTS. `requeue_due` (the command
`sms_resend`) re-enqueues what is due and was never picked up, so nothing is lost if the job
runner's queue is.
"""

import datetime
import logging
import re

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from . import templates
from .backends import get_backend
from .backends.base import SendError
from .models import Message, MessageState

logger = logging.getLogger(__name__)

MOBILE = re.compile(r"^(?:\+?86)?(1[3-9]\d{9})$")


def mobile(phone):
    """The mainland mobile number in `phone` (11 digits), or "" for anything that takes no SMS."""
    match = MOBILE.match(re.sub(r"[\s-]", "", phone or ""))
    return match.group(1) if match else ""


def backoff(attempts):
    """Seconds to wait after the `attempts`-th failure: base · 2^(attempts-1), capped at an hour."""
    base = getattr(settings, "SMS_RETRY_BASE_SECONDS", 30)
    return min(3600, base * 2 ** max(0, attempts - 1))


def queue(phone, *, event, template, params):
    """Tell `phone` of `event` once; returns the new Message, or None (no mobile, or already told)."""
    number = mobile(phone)
    if not number:
        return None
    templates.get(template)
    try:
        with transaction.atomic():
            message = Message.objects.create(
                phone=number, event=event[:120], template=template, params=params, next_attempt_at=timezone.now()
            )
    except IntegrityError:
        return None
    transaction.on_commit(lambda: _enqueue(message.pk))
    return message


def _enqueue(message_id, run_after=None):
    from .tasks import send_message

    try:
        (send_message.using(run_after=run_after) if run_after else send_message).enqueue(message_id)
    except Exception:  # the row stays queued; sms_resend picks it up
        logger.exception("sms: could not enqueue message %s", message_id)


def deliver(message_id, now=None):
    """Send one message if it is due and nobody else has it. Returns the message (or None)."""
    now = now or timezone.now()
    claimed = Message.objects.filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now), pk=message_id, state=MessageState.QUEUED
    ).update(state=MessageState.SENDING, next_attempt_at=None)
    if not claimed:
        return None
    message = Message.objects.get(pk=message_id)
    message.attempts += 1
    backend = get_backend()
    message.backend = f"{type(backend).__module__}.{type(backend).__name__}"
    try:
        message.answer = backend.send(message.phone, message.template, message.params)
    except SendError as error:
        message.answer, message.error = error.answer, str(error)[:2000]
        if error.retry and message.attempts < getattr(settings, "SMS_MAX_ATTEMPTS", 6):
            message.state = MessageState.QUEUED
            message.next_attempt_at = now + datetime.timedelta(seconds=backoff(message.attempts))
        else:
            message.state = MessageState.FAILED
        logger.warning("sms: message %s attempt %s failed: %s", message.pk, message.attempts, error)
    except Exception as error:  # a bug or a misconfiguration: keep the message, try again later
        logger.exception("sms: message %s failed", message.pk)
        message.error = str(error)[:2000]
        message.state = MessageState.QUEUED
        message.next_attempt_at = now + datetime.timedelta(seconds=backoff(message.attempts))
    else:
        message.state, message.sent_at, message.error = MessageState.SENT, timezone.now(), ""
    message.save(update_fields=["attempts", "backend", "answer", "error", "state", "next_attempt_at", "sent_at"])
    if message.state == MessageState.QUEUED:
        _enqueue(message.pk, run_after=message.next_attempt_at)
    return message


def requeue_due(now=None, stale_after=datetime.timedelta(minutes=10)):
    """Enqueue again what is due but was not taken (a lost task, a worker that died while sending)."""
    now = now or timezone.now()
    due = list(
        Message.objects.filter(state=MessageState.QUEUED, next_attempt_at__lte=now - stale_after).values_list(
            "pk", flat=True
        )[:1000]
    )
    for pk in due:
        _enqueue(pk)
    return len(due)


def sweep(now=None, batch=200):
    """The text messages' step of the periodic sweep (settings.DEADLINE_SWEEP_STEPS, run by
    `manage.py run_deadlines`): what is due but was never taken is queued again."""
    return {"sms_requeued": requeue_due(now)}
