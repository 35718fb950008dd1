"""What the faces need of supervision, translated: the mediator panel's forms and words.

The forms are derived from the API's own input serializers by the mediator page's `form_spec`
(frontend/mediator.py), so a field added to the API shows up in the panel."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from .api import serializers as s
from .models import Level, OrderState, Reason

# Field labels of the panel's forms, by (form, field) as frontend/mediator.py's LABELS reads them.
LABELS = {
    ("issue_order", "reason"): _("Why"),
    ("issue_order", "required"): _("What is required"),
    ("issue_order", "days"): _("Working days to reply"),
    ("issue_order", "level"): _("Level"),
    ("reply_order", "text"): _("Reply"),
}

STRINGS = {
    "title": _("Supervision orders (督办)"),
    "none": _("No supervision order on this case."),
    "issued": _("Issued %(when)s by %(who)s"),
    "system": _("the system"),
    "addressed": _("To %(unit)s · reply within %(days)s working days"),
    "replied": _("Replied %(when)s"),
    "closed": _("Closed %(when)s"),
    "reminded": _("Reminded %(when)s"),
    "reply_by": _("%(who)s (%(unit)s), %(when)s"),
    "load_failed": _("The supervision orders could not be loaded: %(message)s"),
}


def _url(name):
    return reverse(name, kwargs={"pk": 0}).replace("/0/", "/{id}/")


def mediator_config(form_spec):
    """The case panel's supervision part: where to read and post, the three forms, the labels."""
    orders = _url("supervision_api:case-orders")
    return {
        "urls": {"orders": orders},
        "issue": form_spec("issue_order", orders, _("Issue a supervision order"), "", s.CaseIssueSerializer, False),
        "reply": form_spec(
            "reply_order",
            _url("supervision_api:order-reply"),
            _("Reply to the order"),
            "",
            s.ReplyInputSerializer,
            True,
        ),
        "close": form_spec(
            "close_order",
            _url("supervision_api:order-close"),
            _("Close the order"),
            _("The reply is accepted: the order is done."),
            serializers.Serializer,
            False,
        ),
        "reasons": {key: str(label) for key, label in Reason.choices},
        "levels": {key: str(label) for key, label in Level.choices},
        "states": {key: str(label) for key, label in OrderState.choices},
        "strings": {key: str(value) for key, value in STRINGS.items()},
    }
