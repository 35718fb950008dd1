"""The deadline sweeper (限时办结): warn before a stage's time runs out, escalate after.

`sweep()` is one pass; `manage.py run_deadlines` runs it once or in a loop. Several copies may
run at once, on one machine or many, and a pass may be repeated or cut short at any point:

- a warning is claimed with a conditional UPDATE of the case's `warned_at` (only if still
  unset for the stage that was read), and only the sweeper whose UPDATE changed the row
  writes the audit entry, in the same transaction (as healthchecks' sendalerts claims checks);
- overdue cases are claimed with SELECT … FOR UPDATE SKIP LOCKED, so two sweepers never
  work on the same case, and each is checked again under its lock before it is escalated
  (which starts a fresh stage, so it is no longer overdue) or, when it cannot go further,
  marked as breached for this stage (`breached_at`) and flagged for supervision (督办).

Both marks are cleared whenever a new stage starts (workflow.core.start_stage), so each stage is
warned at most once and handled at most once when late.

Each pass also recomputes the provisional deadlines (counted Monday–Friday into a year whose
holidays were not entered) once that year is entered, and from 1 November warns in the log,
every pass, while next year's holidays are missing (disputes/holidays.py).
"""

import datetime
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string

from . import deadlines, holidays, lifecycle
from .lifecycle import TICKING_STATES
from .linkage import escalation
from .linkage import graph as linkage
from .models import Case
from .workflow.core import pauses, record, set_due

logger = logging.getLogger(__name__)

WARN_AT = 0.8  # share of a stage's working time after which the handler and centre are warned


def sweep(now=None, batch=200):
    """One pass over every open case; returns how many were warned, escalated, left at the top
    of the chain (督办), or flagged for supervision because their state cannot be escalated."""
    now = now or timezone.now()
    counts = {"recomputed": 0, "warned": 0, "escalated": 0, "at_top": 0, "supervised": 0}
    missing = holidays.warning(timezone.localdate(now))
    if missing:
        logger.warning("deadline sweeper: %s", missing)
    counts["recomputed"] = _recompute_provisional(now, batch)
    _handle_breaches(now, batch, counts)
    counts["warned"] = _send_warnings(now, batch)
    return counts


def further_steps(now=None, batch=200):
    """The steps other apps add to each pass (settings.DEADLINE_SWEEP_STEPS, e.g. the supervision
    orders of breaches and their 催办), run after `sweep`; their counts, merged."""
    now = now or timezone.now()
    counts = {}
    for path in getattr(settings, "DEADLINE_SWEEP_STEPS", ()):
        try:
            counts.update(import_string(path)(now, batch))
        except Exception:
            logger.exception("deadline sweeper: step %s failed", path)
    return counts


# --- provisional deadlines --------------------------------------------------------------


def _recomputable(now):
    """Provisional deadlines that fall before the first year still missing: its predecessors are
    now entered, so they can be counted for good (the others would come out the same)."""
    known = holidays.current().known_years
    first_missing = next(year for year in range(now.year - 1, now.year + 100) if year not in known)
    start = datetime.datetime(first_missing, 1, 1, tzinfo=timezone.get_default_timezone())
    return Case.objects.filter(due_provisional=True).filter(Q(due_at__lt=start) | Q(due_at__isnull=True))


def _recompute_provisional(now, batch):
    done, last = 0, 0
    while True:
        pks = list(_recomputable(now).filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:batch])
        if not pks:
            return done
        last = pks[-1]
        for pk in pks:
            try:
                with transaction.atomic():
                    done += _recompute(pk, now)
            except Exception:
                logger.exception("deadline sweeper: could not recompute the deadline of case %s", pk)


def _recompute(pk, now):
    case = Case.objects.select_for_update().filter(pk=pk, due_provisional=True).first()
    if case is None:
        return 0
    before, changes = case.due_at, {}
    set_due(case, changes)
    Case.objects.filter(pk=pk).update(**changes)
    if case.due_at != before:
        record(
            case,
            action="deadline_recomputed",
            details={
                "from": timezone.localtime(before).isoformat() if before else None,
                "due_at": timezone.localtime(case.due_at).isoformat() if case.due_at else None,
                "provisional": case.due_provisional,
            },
            at=now,
        )
    return 1


# --- overdue ----------------------------------------------------------------------------


def _overdue(now):
    return Case.objects.filter(lifecycle.overdue(now), breached_at__isnull=True)


def _handle_breaches(now, batch, counts):
    seen = set()  # each case at most once per pass, whatever happens to it
    while True:
        with transaction.atomic():
            claimed = list(
                _overdue(now)
                .exclude(pk__in=seen)
                .order_by("due_at", "pk")
                .select_for_update(skip_locked=True)
                .values_list("pk", flat=True)[:batch]
            )
            if not claimed:
                return
            seen.update(claimed)
            for pk in claimed:
                try:
                    with transaction.atomic():  # one case failing leaves the others of the batch done
                        outcome = escalation.escalate_overdue(Case(pk=pk), now=now)
                except Exception:
                    logger.exception("deadline sweeper: could not handle overdue case %s", pk)
                    continue
                if outcome is not None:
                    counts[outcome] += 1


# --- warnings ---------------------------------------------------------------------------


def _warnable(now):
    return Case.objects.filter(
        state__in=sorted(TICKING_STATES),  # a paused clock is neither warned nor late
        due_at__gte=now,  # past it, the breach step is responsible
        warned_at__isnull=True,
        breached_at__isnull=True,
        stage_started_at__isnull=False,
    )


def _send_warnings(now, batch):
    chain = linkage.current()
    warned, last = 0, 0
    fields = ("pk", "state", "stage", "stage_started_at", "stage_pauses", "due_at", "handler", "current_unit")
    while True:
        cases = list(_warnable(now).filter(pk__gt=last).order_by("pk").only(*fields)[:batch])
        if not cases:
            return warned
        last = cases[-1].pk
        for case in cases:
            fraction = deadlines.elapsed_fraction(case.stage_started_at, case.due_at, now, pauses(case))
            if fraction is not None and fraction >= WARN_AT and _warn(case, now, fraction, chain):
                warned += 1


def _warn(case, now, fraction, chain):
    with transaction.atomic():
        # Claimed only if nobody warned this stage meanwhile and the clock is the one measured.
        claimed = Case.objects.filter(
            pk=case.pk,
            warned_at__isnull=True,
            stage_started_at=case.stage_started_at,
            due_at=case.due_at,
            state__in=sorted(TICKING_STATES),  # a paused clock is neither warned nor late
        ).update(warned_at=now)
        if not claimed:
            return False
        record(
            case,
            action="deadline_warning",
            details={
                "stage": case.stage,
                "due_at": timezone.localtime(case.due_at).isoformat(),
                "elapsed": round(fraction, 3),
                "notify": {"handler": case.handler_id, "units": recipients(chain, case.current_unit_id)},
            },
            at=now,
        )
    return True


def recipients(chain, unit_id):
    """The handling unit and its governance centre (综治中心): who a warning goes to, by code."""
    if unit_id not in chain.graph:
        return []
    codes = [chain.unit(unit_id)["code"]]
    region = chain.unit(unit_id)["region"]
    while region is not None:
        centres = [
            unit for unit in chain.units_by_region.get(region, ()) if chain.unit(unit)["kind"] in linkage.CENTRE_KINDS
        ]
        if centres:
            code = chain.unit(centres[0])["code"]
            if code not in codes:
                codes.append(code)
            break
        region = chain.region_parent.get(region)
    return codes
