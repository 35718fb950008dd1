"""Cases that may be the same matter as another, shown to whoever handles it and merged by the
existing `merge` act with one click: never imposed.

Two signs, each cheap: open cases of the same or a related category near it in place and time
(intake.nearby_duplicates, the receipt's own suggestion), and open cases that name a party by
the same phone number or ID number (the same neighbours quarrelling again, reported elsewhere).
Only cases the person may see are offered.
"""

from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .intake import _metres, nearby_duplicates
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
    # the case's own parties as the detail has them (prefetched there)
    parties = [(case.pk, party.phone, party.id_number) for party in case.parties.all()]
    reasons = _reasons([case], parties).get(case.pk)
    if not reasons:
        return []
    visible = Case.objects.visible_to(user).filter(pk__in=reasons).select_related("category").order_by("-created_at")
    rows = [
        Related(other, reasons[other.pk], round(_metres(case.point.x, case.point.y, other.point.x, other.point.y), 1))
        for other in visible
    ]
    rows.sort(key=lambda row: (SAME_PARTY not in row.reasons and NEARBY_SAME not in row.reasons, row.distance_m))
    return rows[:limit]


def counts(cases, user):
    """{case pk: how many cases `related_cases` would offer} for a page of the case list, in a
    handful of queries whatever the page's length (the list marks the rows that have some)."""
    reasons = _reasons(cases)
    others = {pk for found in reasons.values() for pk in found}
    if not others:
        return {}
    visible = set(Case.objects.visible_to(user).filter(pk__in=others).values_list("pk", flat=True))
    shown = {pk: min(LIMIT, len(visible.intersection(found))) for pk, found in reasons.items()}
    return {pk: n for pk, n in shown.items() if n}


def _reasons(cases, parties=None):
    """{case pk: {other case pk: [reasons]}} for the open ones among `cases`, before visibility.
    `parties`: (case pk, phone, ID number) of theirs, when the caller has them already."""
    cases = [case for case in cases if case.state in OPEN_STATES]
    if not cases:
        return {}
    category = {case.pk: case.category_id for case in cases}
    reasons = {}
    for pk, found in nearby_duplicates(cases).items():
        for other, category_id in found.items():
            reason = NEARBY_SAME if category_id == category[pk] else NEARBY_RELATED
            reasons.setdefault(pk, {}).setdefault(other, []).append(reason)
    # The same party, by phone or ID number (stored as typed: a final x or X).
    keys = {}
    if parties is None:
        parties = Party.objects.filter(case_id__in=category).values_list("case_id", "phone", "id_number")
    for case_id, phone, id_number in parties:
        if phone:
            keys.setdefault(("phone", phone), set()).add(case_id)
        if id_number:
            keys.setdefault(("id", id_number.upper()), set()).add(case_id)
    if keys:
        phones = [value for kind, value in keys if kind == "phone"]
        ids = [variant for kind, value in keys if kind == "id" for variant in (value, value.lower())]
        match = Q(phone__in=phones) | Q(id_number__in=ids)
        named = (
            Party.objects.filter(match, case__state__in=OPEN_STATES)
            .order_by()
            .values_list("case_id", "phone", "id_number")
            .distinct()[: max(LIMIT * 2, 5 * len(keys))]
        )
        for other, phone, id_number in named:
            mine = keys.get(("phone", phone), set()) | keys.get(("id", (id_number or "").upper()), set())
            for pk in mine:
                if pk != other and SAME_PARTY not in reasons.get(pk, {}).get(other, []):
                    reasons.setdefault(pk, {}).setdefault(other, []).append(SAME_PARTY)
    return reasons
