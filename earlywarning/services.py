"""The verbs of a warning's life: raise or update, study (研判), act on, dismiss.

Each runs in one transaction that writes the warning, its trail entry and — last — the event
on the realtime stream (`realtime.publish.record`, sent only after commit). Nothing else saves
a warning's state. Two copies of the analysis finding the same (kind, place) at once cannot
both raise it: the partial unique constraint refuses the second insert, which then updates
the first's warning instead.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.errors import IllegalTransition, InvalidInput, NotAllowed, StaleCase
from realtime import events as rt
from realtime import publish

from .access import may_study
from .models import LEVEL_ORDER, OPEN_WARNING_STATES, ActKind, Warning, WarningEntry, WarningState


class StaleWarning(StaleCase):
    default_message = _(
        "The warning was changed by someone else (now version %(current)s, you had %(expected)s): "
        "reload it and try again."
    )


class IllegalWarningTransition(IllegalTransition):
    default_message = _("This cannot be done while the warning is “%(state)s”.")


def higher(a, b):
    return a if LEVEL_ORDER.index(a) >= LEVEL_ORDER.index(b) else b


def _event(warning, entry, kind):
    point = None
    if warning.evidence.get("point"):
        point = warning.evidence["point"]
    payload = rt.warning_payload(
        warning_id=warning.pk,
        kind=warning.kind,
        level=warning.level,
        state=warning.state,
        place=warning.place_name,
        area_code=warning.area_code,
        point=point,
        count=warning.evidence.get("count"),
    )
    publish.record(kind, case_id=None, audit_seq=entry.seq, area_code=warning.area_code, payload=payload)


def _entry(warning, action, *, actor=None, from_state="", to_state="", details=None, at=None):
    return WarningEntry.objects.create(
        warning=warning,
        actor=actor,
        action=action,
        from_state=from_state,
        to_state=to_state,
        details=details or {},
        at=at or timezone.now(),
    )


def raise_or_update(finding, *, now=None):
    """Raise a warning for `finding`, or update the open one of the same kind and place.

    `finding` is a dict: kind, place_key, place_name, region (Region), cell (GridCell or None),
    area_code, level, score, evidence. Returns (warning, "raised" | "updated" | "refreshed" |
    "unchanged"): "updated" when the counts, cases or level changed (a trail entry; an event if
    the level rose), "refreshed" when only the statistics moved.
    """
    now = now or timezone.now()
    with transaction.atomic():
        current = (
            Warning.objects.select_for_update()
            .filter(kind=finding["kind"], place_key=finding["place_key"], state__in=OPEN_WARNING_STATES)
            .first()
        )
        if current is None:
            try:
                with transaction.atomic():  # a savepoint: a concurrent copy may have raised it first
                    warning = Warning.objects.create(
                        kind=finding["kind"],
                        place_key=finding["place_key"],
                        place_name=finding["place_name"],
                        region=finding["region"],
                        cell=finding.get("cell"),
                        area_code=finding["area_code"],
                        level=finding["level"],
                        score=finding["score"],
                        evidence=finding["evidence"],
                        raised_at=now,
                        updated_at=now,
                    )
            except IntegrityError:
                current = (
                    Warning.objects.select_for_update()
                    .filter(kind=finding["kind"], place_key=finding["place_key"], state__in=OPEN_WARNING_STATES)
                    .first()
                )
                if current is None:
                    raise
            else:
                entry = _entry(warning, "raised", to_state=warning.state, details={"level": warning.level}, at=now)
                _event(warning, entry, rt.EventKind.WARNING_RAISED)
                return warning, "raised"
        return _update(current, finding, now)


def _material(evidence):
    """What makes an update worth a trail entry: the counts and the cases, not a q-value moving
    because a case arrived somewhere else in the county."""
    return (evidence.get("count"), evidence.get("case_ids"), evidence.get("words"))


def _update(warning, finding, now):
    level = higher(warning.level, finding["level"])  # an open warning's level only rises
    if warning.evidence == finding["evidence"] and warning.level == level:
        return warning, "unchanged"
    material = _material(warning.evidence) != _material(finding["evidence"]) or level != warning.level
    old_level = warning.level
    warning.level = level
    warning.evidence = finding["evidence"]
    warning.score = finding["score"]
    warning.updated_at = now
    fields = ["level", "evidence", "score", "updated_at"]
    if not material:
        warning.save(update_fields=fields)
        return warning, "refreshed"
    # `version` is left alone: it guards the people's acts (study, act on, dismiss), and an
    # operator writing a study note must not be refused because the hourly run added a case.
    warning.times_seen += 1
    warning.save(update_fields=[*fields, "times_seen"])
    entry = _entry(warning, "updated", details={"level": warning.level, "from_level": old_level}, at=now)
    if warning.level != old_level:
        _event(warning, entry, rt.EventKind.WARNING_CHANGED)
    return warning, "updated"


def _check(user, warning, expected_version, allowed_states):
    if not may_study(user, warning):
        raise NotAllowed(_("Only the governance centre of this place studies and acts on its warnings."))
    if expected_version is not None and expected_version != warning.version:
        raise StaleWarning(current=warning.version, expected=expected_version)
    if warning.state not in allowed_states:
        raise IllegalWarningTransition(state=warning.get_state_display())


def _locked(warning):
    return Warning.objects.select_for_update().get(pk=warning.pk)


def _move(user, warning, to_state, action, details, now):
    from_state = warning.state
    warning.state = to_state
    warning.version += 1
    warning.save()
    entry = _entry(warning, action, actor=user, from_state=from_state, to_state=to_state, details=details, at=now)
    _event(warning, entry, rt.EventKind.WARNING_CHANGED)
    return warning


def study(user, warning, *, note, expected_version=None, now=None):
    """研判: the centre has looked at the warning and says what it makes of it."""
    now = now or timezone.now()
    note = (note or "").strip()
    if not note:
        raise InvalidInput(fields={"note": [str(_("Say what the study found."))]})
    with transaction.atomic():
        warning = _locked(warning)
        _check(user, warning, expected_version, [WarningState.RAISED, WarningState.STUDIED])
        warning.study_note = note
        warning.studied_at = now
        warning.studied_by = user
        return _move(user, warning, WarningState.STUDIED, "studied", {"note": note}, now)


def act_on(user, warning, *, act, case=None, note="", expected_version=None, now=None):
    """The warning was acted on: a case opened or linked, joint handling, or a supervision order."""
    now = now or timezone.now()
    if act not in ActKind.values:
        raise InvalidInput(fields={"act": [str(_("Choose how the warning was acted on."))]})
    if act == ActKind.CASE and case is None:
        raise InvalidInput(fields={"case": [str(_("Name the case that handles it."))]})
    with transaction.atomic():
        warning = _locked(warning)
        _check(user, warning, expected_version, OPEN_WARNING_STATES)
        warning.act_kind = act
        warning.linked_case = case
        warning.close_note = (note or "").strip()
        warning.closed_at = now
        warning.closed_by = user
        details = {"act": act, "case": case.pk if case else None, "note": warning.close_note}
        return _move(user, warning, WarningState.ACTED, "acted", details, now)


def dismiss(user, warning, *, reason, expected_version=None, now=None):
    """排除: not a real risk, with the reason (kept in the trail)."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(fields={"reason": [str(_("Give the reason for dismissing the warning."))]})
    with transaction.atomic():
        warning = _locked(warning)
        _check(user, warning, expected_version, OPEN_WARNING_STATES)
        warning.close_note = reason
        warning.closed_at = now
        warning.closed_by = user
        return _move(user, warning, WarningState.DISMISSED, "dismissed", {"reason": reason}, now)
