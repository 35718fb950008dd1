"""The monthly report (月报) of a region: every indicator with the previous month and the same month
last year, the ranking one level down, and the notable cases of the month — red ones, those
overdue at its end (or now, for the running month) and those flagged for supervision (督办) —
as a print-ready HTML page and as a PDF with its font embedded (the agreement's, disputes.documents).
No personal data: numbers, categories, places, units and states only."""

import io
from xml.sax.saxutils import escape

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from disputes import lifecycle
from disputes.models import Case, CaseState, Grade

from . import overview

NOTABLE_LIMIT = 30


def _case_rows(queryset):
    states = dict(CaseState.choices)
    grades = dict(Grade.choices)
    rows = []
    for case in queryset.select_related("category", "current_unit", "region").order_by("created_at", "pk")[
        :NOTABLE_LIMIT
    ]:
        rows.append(
            {
                "number": case.number,
                "category": case.category.name,
                "grade": str(grades.get(case.grade, case.grade)),
                "area": case.region.name,
                "unit": case.current_unit.name if case.current_unit else "",
                "state": str(states.get(case.state, case.state)),
                "created": timezone.localtime(case.created_at).date(),
                "due": timezone.localtime(case.due_at) if case.due_at else None,
            }
        )
    return rows


def notable(region, period):
    cases = Case.objects.filter(area_code__startswith=region.prefix)
    start, until = period.start, period.until
    return [
        {
            "key": "red",
            "title": _("Red cases reported this month"),
            "rows": _case_rows(cases.filter(grade=Grade.RED, created_at__gte=start, created_at__lt=until)),
        },
        {
            "key": "overdue",
            "title": _("Cases overdue at the end of the month"),
            "rows": _case_rows(cases.filter(lifecycle.overdue(until), created_at__lt=until)),
        },
        {
            "key": "supervised",
            "title": _("Cases flagged for supervision (督办) this month"),
            "rows": _case_rows(cases.filter(breached_at__gte=start, breached_at__lt=until)),
        },
    ]


def shown(value, unit):
    """An indicator's value as the report prints it."""
    if value is None:
        return "–"
    if unit == "rate":
        return f"{value * 100:.1f}%"
    if unit in ("days", "hours"):
        return f"{value:.1f}"
    return f"{value:g}"


def report(region, period):
    data = overview.overview(region, period)
    for row in data["indicators"]:
        for key in ("value", "previous", "last_year"):
            row[f"{key}_shown"] = shown(row[key], row["unit"])
    data["notable"] = notable(region, period)
    data["generated_at"] = timezone.localtime()
    data["name_header"] = _("Name") if data["ranking_kind"] == "people" else _("Name (region or unit)")
    data["title"] = _("%(region)s monthly report, %(month)s") % {"region": region.name, "month": period.code}
    return data


def html(region, period):
    return render_to_string("assessment/monthly.html", {"report": report(region, period)})


def pdf(region, period):
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from disputes.documents import pdf_font

    font = pdf_font()
    data = report(region, period)
    body = ParagraphStyle("body", fontName=font, fontSize=9.5, leading=13, wordWrap="CJK")
    heading = ParagraphStyle("heading", parent=body, fontSize=13, leading=18, spaceBefore=10, spaceAfter=4)
    title = ParagraphStyle("title", parent=body, fontSize=18, leading=26, alignment=TA_CENTER, spaceAfter=8)

    def p(text, style=body):
        return Paragraph(escape(str(text)), style)

    def table(rows, widths=None):
        built = Table([[p(cell) for cell in row] for row in rows], colWidths=widths, repeatRows=1)
        built.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.4, colors.black),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef4")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("FONTNAME", (0, 0), (-1, -1), font),
                ]
            )
        )
        return built

    story = [p(data["title"], title)]
    story.append(p(_("Indicators"), heading))
    story.append(
        table(
            [[_("Indicator"), _("This month"), _("Previous month"), _("Same month last year")]]
            + [[r["label"], r["value_shown"], r["previous_shown"], r["last_year_shown"]] for r in data["indicators"]],
            widths=[70 * mm, 33 * mm, 33 * mm, 40 * mm],
        )
    )
    story.append(p(_("Ranking"), heading))
    story.append(
        table(
            [[_("Rank"), data["name_header"], _("Score"), _("Change")]]
            + [
                [
                    r["rank"],
                    r["name"],
                    f"{r['score']:.1f}",
                    "" if r["score_change"] is None else f"{r['score_change']:+.1f}",
                ]
                for r in data["ranking"]
            ],
            widths=[15 * mm, 90 * mm, 30 * mm, 30 * mm],
        )
    )
    for section in data["notable"]:
        story.append(p(f"{section['title']}（{len(section['rows'])}）", heading))
        if section["rows"]:
            story.append(
                table(
                    [[_("Case number"), _("Category"), _("Area"), _("Handling unit"), _("State")]]
                    + [[r["number"], r["category"], r["area"], r["unit"], r["state"]] for r in section["rows"]],
                    widths=[30 * mm, 38 * mm, 30 * mm, 50 * mm, 28 * mm],
                )
            )
        else:
            story.append(p(_("None.")))
    story.append(Spacer(1, 6 * mm))
    story.append(p(_("Generated at %(time)s") % {"time": f"{data['generated_at']:%Y-%m-%d %H:%M}"}))
    out = io.BytesIO()
    SimpleDocTemplate(
        out, pagesize=A4, title=data["title"], leftMargin=16 * mm, rightMargin=16 * mm, initialFontName=font
    ).build(story)
    return out.getvalue()
