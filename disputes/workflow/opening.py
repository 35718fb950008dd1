"""Opening a case for a report: graded before, routed along the linkage chain to the lowest capable unit."""

import secrets

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import InvalidInput
from grid.models import UnitKind

from .. import reference
from ..lifecycle import CaseState
from ..linkage import graph as linkage
from ..models import Case, Handling, Party, PartyRole
from .core import enter_state, record, set_due

S = CaseState


def case_number(prefix, pk):
    """A case's number: the date it was opened (yymmdd) and its id, at least six digits
    (PostgreSQL's trigger in migration 0017 does the same in the INSERT)."""
    return f"{prefix}{pk:06d}"


def initial_unit(region):
    """Where a case goes when the chain has a gap: the village committee, else the nearest centre above."""
    wanted = {
        "village": UnitKind.VILLAGE_COMMITTEE,
        "township": UnitKind.TOWNSHIP_CENTRE,
        "county": UnitKind.COUNTY_CENTRE,
    }
    node = region
    while node is not None:
        unit = reference.unit_of(node, wanted[node.level])
        if unit is not None:
            return unit
        node = node.parent
    return None


def open_case(report, place, grade=None):
    """Open the case for a report about to be stored (called by `intake.submit_report`, inside its transaction).

    A matter settled on the spot (即办件) opens as resolved, waiting for someone else to verify it.
    """
    region = place.village or place.township or place.county
    category = report.category
    grade = grade or category.default_grade
    # 小事不出村、大事不出乡: the lowest capable unit on the place's chain takes it.
    routed = linkage.route(linkage.current(), region.pk, category.pk, grade)
    unit = reference.unit(routed.unit) if routed.found else None
    routing = {"path": [step.code for step in map(reference.unit, routed.path) if step]}
    if unit is None:
        # A gap in the chain must not lose the report: the nearest centre takes it, and the
        # gap is on record for the administrator (check_linkage lists it too).
        unit = initial_unit(region)
        routing = {"gap": routed.reason}
    if unit is None:
        raise InvalidInput(
            _("No unit serves %(region)s yet: ask the administrator to set up its units.") % {"region": region.name}
        )
    now = report.received_at
    case = Case(
        kind=category.kind,
        category=category,
        grade=grade,
        severity=report.severity,
        description=report.description,
        point=report.point,
        cell=report.cell,
        region=region,
        area_code=report.cell.code if report.cell else region.code,
        first_unit=unit,
        current_unit=unit,
        verification_code=f"{secrets.randbelow(10**6):06d}",
        created_at=now,
        state=S.REPORTED,
    )
    if report.resolved_on_site:
        case.handling = Handling.IMMEDIATE
        case.resolved_by = report.reporter
        case.resolved_at = now
        case.accepted_at = now
        initial = S.RESOLVED
    else:
        initial = S.REPORTED
    changes = {}
    case.state = None  # so that entering the initial state starts its clock
    case.stage = None
    enter_state(case, initial, now, changes)
    for name, value in changes.items():
        setattr(case, name, value)
    set_due(case, {})
    # The date part goes in with the row; PostgreSQL appends the id in the same INSERT (the
    # trigger of migration 0017), elsewhere one UPDATE does.
    prefix = f"{timezone.localtime(now):%y%m%d}"
    case.number = prefix
    case.save(force_insert=True)
    case.number = case_number(prefix, case.pk)
    if connection.vendor != "postgresql":
        Case.objects.filter(pk=case.pk).update(number=case.number)
    if report.parties:
        Party.objects.bulk_create(
            [
                Party(
                    case=case,
                    name=p.get("name", ""),
                    role=p.get("role") or PartyRole.APPLICANT,
                    id_number=(p.get("id_number") or "").upper(),
                    phone=p.get("phone") or "",
                    address=p.get("address") or "",
                )
                for p in report.parties
            ]
        )
    record(
        case,
        actor=report.reporter,
        action="report_received",
        from_state="",
        to_state=case.state,
        details={
            "report": str(report.pk),
            "source": report.source,
            "on_site": report.resolved_on_site,
            "unit": unit.code,
            "grade": grade,
            **routing,
        },
        at=now,
    )
    return case
