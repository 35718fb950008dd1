"""The mediation agreement (人民调解协议书) as a printable HTML page and as a PDF.

Both carry what article 29 of the People's Mediation Law asks of an agreement: the parties'
details, the main facts, the issues in dispute and each side's responsibility, the agreed
terms, and how and by when they are performed; then when it takes effect, how many copies
there are, the signature lines, and the note on judicial confirmation (article 33).

The document is for the parties and the handlers, so ID numbers and phones are printed in
full. The labels are Chinese: this is a Chinese legal form, not a screen of the application.
"""

import io
from dataclasses import dataclass
from xml.sax.saxutils import escape

from django.template.loader import render_to_string
from django.utils import timezone

from grid.models import display_name

from .models import Agreement, PartyRole

TITLE = "人民调解协议书"
FONT_FAMILY = '"Noto Serif CJK SC", "Songti SC", "SimSun", serif'
# The PDF embeds its font (the characters it uses, subset), so it prints and archives the same on
# any machine: a TrueType Song (宋体-style) face, AR PL UMing CN from Debian's fonts-arphic-uming by
# default. reportlab embeds TrueType outlines only, so Noto CJK (CFF outlines) cannot serve here.
PDF_FONT = "AgreementSong"
DEFAULT_PDF_FONT_FILE = "/usr/share/fonts/truetype/arphic/uming.ttc"
DEFAULT_PDF_FONT_INDEX = 0  # in a collection (.ttc): the face to use; 0 is UMing CN

ROLE_LABELS = {
    PartyRole.APPLICANT: "申请人",
    PartyRole.RESPONDENT: "被申请人",
    PartyRole.THIRD: "第三人",
}

EFFECT = (
    "本协议自各方当事人签名、盖章或者按指印，人民调解员签名并加盖人民调解委员会印章之日起生效。"
    "调解协议具有法律约束力，当事人应当按照约定履行。"
)
CONFIRMATION = (
    "当事人可以自协议生效之日起三十日内共同向人民法院申请司法确认。"
    "人民法院依法确认调解协议有效，一方当事人拒绝履行或者未全部履行的，对方当事人可以向人民法院申请强制执行。"
)
ORAL = "本协议系当事人口头达成，由人民调解员如实记录。"

_DIGITS = "零一二三四五六七八九"


def chinese_number(n):
    """1 → 一, 10 → 十, 12 → 十二, 25 → 二十五; numbers from 100 on stay in digits."""
    if not 0 < n < 100:
        return str(n)
    tens, ones = divmod(n, 10)
    text = "" if tens == 0 else ("十" if tens == 1 else _DIGITS[tens] + "十")
    return text + (_DIGITS[ones] if ones else "")


def chinese_date(value):
    return f"{value.year}年{value.month}月{value.day}日"


@dataclass(frozen=True)
class PartyLine:
    name: str
    role: str
    id_number: str
    phone: str
    address: str


def _content(agreement: Agreement):
    """Everything both documents print, read once."""
    case = agreement.case
    parties = [
        PartyLine(
            name=party.name,
            role=ROLE_LABELS.get(party.role, party.get_role_display()),
            id_number=party.id_number,
            phone=party.phone,
            address=party.address,
        )
        for party in case.parties.all()
    ]
    last_session = case.sessions.order_by("-held_at").first()
    copies = len(parties) + 1  # one per party, one kept by the committee
    who = "双方当事人" if len(parties) == 2 else "各方当事人"
    signed_on = timezone.localdate(agreement.signed_at) if agreement.signed_at else None
    return {
        "title": TITLE,
        "number": case.number or "",
        "committee": case.current_unit.name,
        "place": last_session.place if last_session else "",
        "parties": parties,
        "facts": agreement.facts,
        "issues": agreement.issues,
        "responsibilities": agreement.responsibilities,
        "terms": agreement.terms,
        "performance": agreement.performance,
        "perform_by": chinese_date(agreement.perform_by),
        "oral_note": ORAL if agreement.oral else "",
        "effect": EFFECT,
        "copies": copies,
        "copies_text": (f"本协议一式{chinese_number(copies)}份，{who}各执一份，{case.current_unit.name}留存一份。"),
        "mediator": display_name(agreement.mediator),
        "date": chinese_date(signed_on) if signed_on else "　　　　年　　月　　日",
        "confirmation": CONFIRMATION,
        "font_family": FONT_FAMILY,
    }


def agreement_html(agreement: Agreement) -> str:
    """An A4 page ready to print; all user content is escaped by the template engine."""
    return render_to_string("disputes/agreement.html", _content(agreement))


# --- PDF ----------------------------------------------------------------------------------


def _markup(text):
    """User text as Paragraph markup: XML specials escaped, line breaks kept."""
    lines = (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "<br/>".join(escape(line) for line in lines)


def pdf_font():
    """Register the embedded font once per process (settings PDF_FONT_FILE and PDF_FONT_INDEX)."""
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFError, TTFont

    if PDF_FONT not in pdfmetrics.getRegisteredFontNames():
        path = getattr(settings, "PDF_FONT_FILE", "") or DEFAULT_PDF_FONT_FILE
        index = int(getattr(settings, "PDF_FONT_INDEX", DEFAULT_PDF_FONT_INDEX))
        try:
            # TTFont subsets: only the glyphs a document uses are written into it (FontFile2).
            pdfmetrics.registerFont(TTFont(PDF_FONT, path, subfontIndex=index))
        except (OSError, TTFError) as error:
            raise ImproperlyConfigured(
                f"The agreement's PDF font {path} (face {index}) cannot be used: {error}. "
                "Install Debian's fonts-arphic-uming or point PDF_FONT_FILE at a TrueType CJK font."
            ) from error
    return PDF_FONT


def agreement_pdf(agreement: Agreement) -> bytes:
    """The same document as an A4 PDF (reportlab platypus); long text wraps and runs on to new pages."""
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = pdf_font()
    c = _content(agreement)
    body = ParagraphStyle("body", fontName=font, fontSize=11.5, leading=19, wordWrap="CJK", spaceAfter=4)
    small = ParagraphStyle("small", parent=body, fontSize=10, leading=15, spaceAfter=0)
    heading = ParagraphStyle("heading", parent=body, fontSize=12.5, leading=20, spaceBefore=8, spaceAfter=3)
    title = ParagraphStyle("title", parent=body, fontSize=20, leading=28, alignment=TA_CENTER, spaceAfter=6)
    number = ParagraphStyle("number", parent=body, alignment=TA_CENTER, spaceAfter=10)

    def p(text, style=body):
        return Paragraph(text, style)

    story = [
        p(escape(c["title"]), title),
        p(f"编号：{escape(c['number'])}", number),
        p(f"人民调解委员会：{escape(c['committee'])}"),
        p(f"调解地点：{escape(c['place'])}"),
        p("当事人基本情况", heading),
    ]
    rows = [[p(label, small) for label in ("姓名", "身份", "身份证号码", "联系电话", "住址")]]
    for party in c["parties"]:
        rows.append(
            [
                p(_markup(value), small)
                for value in (party.name, party.role, party.id_number, party.phone, party.address)
            ]
        )
    table = Table(rows, colWidths=[24 * mm, 20 * mm, 46 * mm, 30 * mm, None], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                # The cells' own font (Helvetica unless told), which the PDF would name without carrying.
                ("FONTNAME", (0, 0), (-1, -1), font),
            ]
        )
    )
    story.append(table)
    for label, key in (
        ("纠纷主要事实", "facts"),
        ("争议事项", "issues"),
        ("各方当事人的责任", "responsibilities"),
        ("协议内容", "terms"),
    ):
        story += [p(label, heading), p(_markup(c[key]))]
    story += [
        p("履行方式和期限", heading),
        p(_markup(c["performance"])),
        p(f"履行期限：{c['perform_by']}前履行完毕。"),
    ]
    if c["oral_note"]:
        story.append(p(escape(c["oral_note"])))
    story += [Spacer(1, 4 * mm), p(escape(c["effect"])), p(escape(c["copies_text"]))]

    signatures = [
        p(f"{escape(party.role)}（签名、盖章或按指印）：{escape(party.name)}　＿＿＿＿＿＿＿＿")
        for party in c["parties"]
    ]
    signatures += [
        p(f"人民调解员（签名）：{escape(c['mediator'])}　＿＿＿＿＿＿＿＿"),
        p(f"{escape(c['committee'])}（印章）"),
        p(escape(c["date"])),
    ]
    story += [Spacer(1, 6 * mm), KeepTogether(signatures), Spacer(1, 6 * mm), p(escape(c["confirmation"]), small)]

    def footer(canvas, doc):
        canvas.saveState()
        canvas.setFont(font, 9)
        canvas.drawCentredString(A4[0] / 2, 12 * mm, f"{c['number']}　第 {doc.page} 页")
        canvas.restoreState()

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=25 * mm,
        rightMargin=25 * mm,
        topMargin=22 * mm,
        bottomMargin=22 * mm,
        title=f"{TITLE} {c['number']}",
        author=c["committee"],
        # The canvas starts in this font instead of Helvetica, which the PDF would name without carrying it.
        initialFontName=font,
    )
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
