"""What waits for a person (待办): the open cases on which they have an act to do, most urgent first.

The acts come from the catalogue (`allowed_actions`), the clock from the lifecycle (`is_overdue`)
and the sweeper's 80 % warning (`warned_at`): nothing is decided here but the order. The phone's
task list and the mediator's "my work" both read this one list.
"""

from django.db.models import F, Q
from django.utils import timezone

from grid.jurisdiction import CELL_ROLES, HANDLER_ROLES

from . import access
from .lifecycle import OPEN_STATES
from .models import Case
from .workflow.catalogue import CATALOGUE
from .workflow.core import allowed_actions

# Most urgent first: past the deadline, past 80 % of it (the sweeper's warning), due, no clock.
URGENCY = ("breached", "warning", "due", "none")
LIMIT = 100


def _states_for(who):
    return sorted({state for act in CATALOGUE.values() if who in act.who for state in act.states} & OPEN_STATES)


def urgency(case, now):
    if case.is_overdue(now):
        return "breached"
    if case.warned_at is not None:
        return "warning"
    return "due" if case.due_at is not None else "none"


def waiting_for(user, now=None, limit=LIMIT):
    """[(case, urgency, acts)] for `user`, most urgent first, then the earliest deadline; at most `limit`.

    Candidates are the cases where the user acts as a handler of the current unit or of the first
    unit (首问), or as the finder of its cell; a supervisor's oversight of a whole region is the
    map's and the wall's, not a to-do list.
    """
    now = now or timezone.now()
    members = access.memberships(user)
    units = sorted({member.unit_id for member in members if member.role in HANDLER_ROLES})
    cells = sorted({cell.pk for member in members if member.role in CELL_ROLES for cell in member.cells.all()})
    wanted = Q(pk__in=[])
    if units:
        wanted |= Q(state__in=_states_for("handler"), current_unit__in=units)
        wanted |= Q(state__in=_states_for("first_unit"), first_unit__in=units)
    if cells:
        wanted |= Q(state__in=_states_for("finder"), cell__in=cells)
    candidates = (
        Case.objects.visible_to(user)
        .filter(wanted)
        .select_related("category", "region", "current_unit", "handler")
        .order_by(F("due_at").asc(nulls_last=True), "pk")[: limit * 2]
    )
    found = []
    for case in candidates:
        acts = allowed_actions(user, case)
        if acts:
            found.append((case, urgency(case, now), acts))
    order = {name: rank for rank, name in enumerate(URGENCY)}
    found.sort(key=lambda item: (order[item[1]], item[0].due_at is None, item[0].due_at or now, item[0].pk))
    return found[:limit]
