"""The event shapes: what kinds of event the stream carries and what each payload may hold.

A payload goes to walls and phones that may belong to anyone in the region, so it carries
only what every audience may see: the case number, state, category, grade, the point and the
units involved. Never the parties' names, phones, ID numbers or addresses, never the free-text
description or notes (no personal data on the wall). The constructors below take plain values,
so the services decide what to pass and this module knows nothing of cases; `check_payload`
refuses the keys that would carry personal data, as a last line of defence.
"""

import datetime

from django.db import models
from django.utils.translation import gettext_lazy as _


class EventKind(models.TextChoices):
    REPORT_RECEIVED = "report_received", _("report received")  # 事件上报
    STATE_CHANGED = "state_changed", _("case state changed")
    ESCALATED = "escalated", _("escalated")  # 上报
    DEADLINE_WARNING = "deadline_warning", _("deadline warning")  # 临期预警
    DEADLINE_BREACHED = "deadline_breached", _("deadline breached")  # 超期
    JOINT_SUMMONED = "joint_summoned", _("joint task summoned")  # 吹哨
    JOINT_ANSWERED = "joint_answered", _("joint task answered")  # 报到
    RED_ALERT = "red_alert", _("red alert")  # 红色预警
    WARNING_RAISED = "warning_raised", _("early warning raised")  # 预警
    WARNING_CHANGED = "warning_changed", _("early warning handled")  # 研判、处置、排除
    SUPERVISION = "supervision", _("supervision order")  # 督办: issued, replied, reminded, escalated, closed


# Keys that would carry personal data or free text; refused anywhere in a payload.
FORBIDDEN_KEYS = frozenset(
    {
        "name",
        "names",
        "parties",
        "party",
        "phone",
        "phones",
        "id_number",
        "address",
        "description",
        "note",
        "notes",
        "reason",
        "record",
        "answer",
        "instructions",
        "reporter",
        "verification_code",
    }
)


class UnsafePayload(ValueError):
    """A payload holds a key that may carry personal data or free text."""


def check_payload(payload, path="payload"):
    """Raise UnsafePayload if a forbidden key appears anywhere in `payload`; return it otherwise."""
    if isinstance(payload, dict):
        for key, value in payload.items():
            if str(key).lower() in FORBIDDEN_KEYS:
                raise UnsafePayload(f"{path}.{key} may carry personal data or free text: not for the wall")
            check_payload(value, f"{path}.{key}")
    elif isinstance(payload, list | tuple):
        for index, value in enumerate(payload):
            check_payload(value, f"{path}[{index}]")
    return payload


def _when(value):
    if value is None:
        return None
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return str(value)


def _coordinate(value):
    return None if value is None else round(float(value), 6)


def case_payload(number, state, category_name, grade, lon, lat, unit_names=()):
    """What every event about a case shows: number, state, category, grade, point and units."""
    return {
        "case": {
            "number": number,
            "state": state,
            "category": category_name,
            "grade": grade,
            "point": [_coordinate(lon), _coordinate(lat)],
            "units": [str(name) for name in unit_names],
        }
    }


def report_received(case, *, source, on_site=False):
    """A report came in and opened `case` (a `case_payload`)."""
    return {**case, "source": source, "on_site": bool(on_site)}


def state_changed(case, *, action, from_state, to_state):
    return {**case, "action": action, "from_state": from_state, "to_state": to_state}


def escalated(case, *, from_unit, to_unit, automatic=False):
    """Moved up the chain from one unit (its name) to another; `automatic` when the sweeper did it."""
    return {**case, "from_unit": str(from_unit), "to_unit": str(to_unit), "automatic": bool(automatic)}


def deadline_warning(case, *, stage, due_at):
    return {**case, "stage": stage, "due_at": _when(due_at)}


def deadline_breached(case, *, stage, due_at):
    return {**case, "stage": stage, "due_at": _when(due_at)}


def joint_summoned(case, *, unit_names, due_at):
    """Units summoned to handle the case jointly (联办), with the task's due time."""
    return {**case, "summoned": [str(name) for name in unit_names], "due_at": _when(due_at)}


def joint_answered(case, *, unit_name, answered_at):
    return {**case, "answered_by_unit": str(unit_name), "answered_at": _when(answered_at)}


def supervision(case, *, action, order_id, level, cause, state, due_at, issued_at):
    """A supervision order (督办) on `case` changed: `action` is the audit action, `cause` the order's
    reason as a short code; its countdown runs to `due_at`. Never what is required or replied."""
    return {
        **case,
        "action": action,
        "order": {
            "id": int(order_id),
            "level": level,
            "cause": cause,
            "state": state,
            "due_at": _when(due_at),
            "issued_at": _when(issued_at),
        },
    }


def red_alert(case, *, cause):
    """A red-grade case, or a cluster flagged by 预警研判; `cause` is a short code, not free text."""
    return {**case, "cause": cause}


def warning_payload(*, warning_id, kind, level, state, place, area_code, point=None, count=None):
    """What every event about an early warning shows: its kind, level, state, place and point.

    `place` is the name of a cell, village or township, never a person's: a warning about
    parties names the region their disputes lie in. No evidence, case numbers, notes or reasons.
    """
    return {
        "warning": {
            "id": int(warning_id),
            "kind": kind,
            "level": level,
            "state": state,
            "place": str(place),
            "area_code": area_code,
            "point": None if point is None else [_coordinate(point[0]), _coordinate(point[1])],
            "count": None if count is None else int(count),
        }
    }
