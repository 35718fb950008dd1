"""Cases that may be the same matter as another, shown to whoever handles it and merged by the
existing `merge` act with one click: never imposed.

Two signs, each cheap: open cases of the same or a related category near it in place and time
(intake.suggest_duplicates, the receipt's own suggestion), and open cases that name a party by
the same phone number or ID number (the same neighbours quarrelling again, reported elsewhere).
Only cases the person may see are offered.
"""

from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .intake import _metres, suggest_duplicates
from .lifecycle import OPEN_STATES
from .models import Case, Party

NEARBY_SAME = "nearby_same_category"
NEARBY_RELATED = "nearby_related_category"
SAME_PARTY = "same_party"
REASONS = (NEARBY_SAME, NEARBY_RELATED, SAME_PARTY)
LABELS = {
    NEARBY_SAME: _("nearby, same category"),
    NEARBY_RELATED: _("nearby, related category"),
    SAME_PARTY: _("same party (phone or ID number)"),
}
LIMIT = 10


@dataclass
class Related:
    case: Case
    reasons: list
    distance_m: float | None


def related_cases(case, user, limit=LIMIT):
    """The open cases visible to `user` that may be `case` again, nearest signs first."""
    if case.state not in OPEN_STATES:
        return []
    reasons = {}
    for other in suggest_duplicates(case):
        reasons.setdefault(other.pk, []).append(
            NEARBY_SAME if other.category_id == case.category_id else NEARBY_RELATED
        )
    phones = set()
    ids = set()
    for party in case.parties.all():
        if party.phone:
            phones.add(party.phone)
        if party.id_number:  # stored as typed: a final x or X
            ids.update({party.id_number.upper(), party.id_number.lower()})
    if phones or ids:
        match = Q(phone__in=phones) if phones else Q(pk__in=[])
        if ids:
            match |= Q(id_number__in=ids)
        same = (
            Party.objects.filter(match, case__state__in=OPEN_STATES)
            .exclude(case=case)
            .order_by()
            .values_list("case_id", flat=True)
            .distinct()[: limit * 2]
        )
        for pk in same:
            reasons.setdefault(pk, []).append(SAME_PARTY)
    if not reasons:
        return []
    visible = Case.objects.visible_to(user).filter(pk__in=reasons).select_related("category").order_by("-created_at")
    rows = [
        Related(other, reasons[other.pk], round(_metres(case.point.x, case.point.y, other.point.x, other.point.y), 1))
        for other in visible
    ]
    rows.sort(key=lambda row: (SAME_PARTY not in row.reasons and NEARBY_SAME not in row.reasons, row.distance_m))
    return rows[:limit]
