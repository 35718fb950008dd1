"""The one-time notice (一次性告知书): everything the resident still has to bring, in one paper,
with the case number and the verification code to follow the matter by. HTML to print and an A4
PDF with the embedded CJK font the agreements use (disputes.documents.pdf_font)."""

import io

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from disputes.documents import chinese_date, pdf_font

from .models import ServiceMatter


def content(notice):
    case = notice.case
    matter = ServiceMatter.objects.select_related("item").filter(case=case).first()
    return {
        "title": _("One-time notice of missing materials (一次性告知书)"),
        "number": case.number,
        "code": case.verification_code,
        "matter": matter.item.name if matter else case.category.name,
        "resident": matter.resident_name if matter else "",
        "deciding_unit": matter.item.deciding_unit if matter else "",
        "promised_days": matter.item.promised_days if matter else None,
        "items": list(notice.items),
        "unit": case.current_unit.name,
        "date": chinese_date(timezone.localtime(notice.issued_at).date()),
        "intro": _(
            "Your matter has been received. To go on with it, please bring all of the following "
            "materials at once; the time limit stops until they are complete."
        ),
        "follow": _("Follow the matter with the case number and the verification code."),
    }


def notice_html(notice):
    return render_to_string("desk/notice.html", {"notice": content(notice)})


def notice_pdf(notice):
    from xml.sax.saxutils import escape

    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import ListFlowable, ListItem, Paragraph, SimpleDocTemplate, Spacer

    data = content(notice)
    font = pdf_font()
    body = ParagraphStyle("body", fontName=font, fontSize=12, leading=20, wordWrap="CJK")
    title = ParagraphStyle("title", parent=body, fontSize=18, leading=28, alignment=TA_CENTER)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=25 * mm, rightMargin=25 * mm, topMargin=25 * mm)
    facts = [
        (_("Case number"), data["number"]),
        (_("Verification code"), data["code"]),
        (_("Matter"), data["matter"]),
        (_("Resident"), data["resident"]),
        (_("Deciding unit"), data["deciding_unit"]),
    ]
    story = [Paragraph(escape(data["title"]), title), Spacer(1, 6 * mm)]
    story += [Paragraph(f"{escape(str(label))}：{escape(str(value))}", body) for label, value in facts if value]
    story += [Spacer(1, 4 * mm), Paragraph(escape(data["intro"]), body)]
    story.append(
        ListFlowable(
            [ListItem(Paragraph(escape(item), body), value=i) for i, item in enumerate(data["items"], start=1)],
            bulletType="1",
            bulletFontName=font,
        )
    )
    story += [Spacer(1, 4 * mm), Paragraph(escape(data["follow"]), body), Spacer(1, 10 * mm)]
    story += [Paragraph(f"{escape(data['unit'])}　{escape(data['date'])}", body)]
    doc.build(story)
    return buffer.getvalue()
