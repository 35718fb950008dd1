"""Colour grading (分级): every case gets one of the four colours used in practice.

    绿 green   the gridworker follows up
    黄 yellow  ordinary
    橙 orange  likely to escalate
    红 red     cross-department, needs leadership

The rules (`grade`), applied in this order to the category's default grade:

1. severity 3 raises one step, severity 4 (or more) two steps; 1 and 2 leave it;
2. REPEAT_THRESHOLD (3) or more earlier reports of the same *top-level* category (大类) in the
   same grid cell within REPEAT_WINDOW (30 days) raise one step: a matter that keeps coming
   back is likely to escalate;
3. 5 or more parties make it at least orange, 10 or more red (a group matter);
4. never below the category's default, never above red.

Repeats are counted over the whole top-level category because reporters often file the same
trouble under neighbouring subcategories (a drainage quarrel as 排水纠纷 one day and 口角纠纷 the
next); the cluster is what matters for 预警研判.

Operators regrade a case with `regrade_case` (audited as "regrade" with from, to and reason).
"""

import datetime

from django.db import connection
from django.utils.translation import gettext as _

from core.errors import InvalidInput

from . import reference
from .models import GRADE_ORDER, Grade, Report
from .workflow.core import apply, run

GRADES = [str(grade) for grade in GRADE_ORDER]  # green, yellow, orange, red
GRADE_RANK = {grade: rank for rank, grade in enumerate(GRADES)}

REPEAT_WINDOW = datetime.timedelta(days=30)
REPEAT_THRESHOLD = 3
ORANGE_PARTIES = 5
RED_PARTIES = 10


def grade(default, severity, parties, repeats):
    """The colour for a matter of a category whose default is `default`.

    severity: 1–4 as reported; parties: how many people are in it; repeats: earlier reports
    of the same top-level category in the same cell within 30 days (see `count_repeats`).
    """
    base = GRADE_RANK[str(default)]
    rank = base
    severity = int(severity or 1)
    if severity >= 4:
        rank += 2
    elif severity == 3:
        rank += 1
    if int(repeats or 0) >= REPEAT_THRESHOLD:
        rank += 1
    parties = int(parties or 0)
    if parties >= RED_PARTIES:
        rank = max(rank, GRADE_RANK[Grade.RED])
    elif parties >= ORANGE_PARTIES:
        rank = max(rank, GRADE_RANK[Grade.ORANGE])
    return GRADES[min(max(rank, base), len(GRADES) - 1)]


def count_repeats(category, cell, at):
    """Reports in `cell` of the same top-level category as `category`, received in the 30 days before `at`.

    One query, written by hand: it runs for every report, and the ORM's compiling of it cost a fifth
    of intake's CPU. `category` and `cell` may be instances or ids; no cell, no repeats.
    """
    if cell is None:
        return 0
    family = reference.same_top_level(getattr(category, "pk", category))
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*) FROM {Report._meta.db_table} WHERE cell_id = %s AND received_at >= %s"
            f" AND received_at < %s AND category_id IN ({', '.join(['%s'] * len(family))})",
            [getattr(cell, "pk", cell), adapt(at - REPEAT_WINDOW), adapt(at), *family],
        )
        return cursor.fetchone()[0]


def intake_grade(report):
    """The grade of the case a new report opens (call before the report is stored)."""
    default, severity, parties = report.category.default_grade, report.severity, len(report.parties or [])
    if grade(default, severity, parties, 0) == grade(default, severity, parties, REPEAT_THRESHOLD):
        return grade(default, severity, parties, 0)  # repeats cannot change it (already red): no count
    repeats = count_repeats(report.category_id, report.cell_id, report.received_at)
    return grade(default, severity, parties, repeats)


def regrade_case(user, case, *, grade, reason, expected_version=None):
    """An operator changes a case's colour, saying why (audited: from, to, reason)."""
    grade = str(grade or "")
    if grade not in GRADES:
        raise InvalidInput(fields={"grade": [_("Unknown grade “%(grade)s”.") % {"grade": grade}]})
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(fields={"reason": [_("Say why the grade changes.")]})

    def body(case, member):
        if case.grade == grade:
            message = _("The case is already graded “%(grade)s”.") % {"grade": Grade(grade).label}
            raise InvalidInput(message, fields={"grade": [message]})
        apply(
            case,
            user,
            member,
            "regrade",
            changes={"grade": grade},
            details={"from": case.grade, "to": grade, "reason": reason},
        )

    return run(user, case, "regrade", expected_version, body)
