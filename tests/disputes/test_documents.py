"""The mediation agreement (人民调解协议书) as a printable HTML page and as a PDF."""

import base64
import datetime
import re
import zlib

from django.utils import timezone

from disputes import intake, workflow
from disputes.documents import agreement_html, agreement_pdf, chinese_number
from disputes.models import Agreement
from tests.disputes.conftest import PARTIES, report_data

FACTS = "王建国与李卫东系前后院邻居，李卫东在院后修建排水沟，雨水流入王建国院内，双方多次争吵。"
TERMS = "李卫东于五日内将排水沟改道至村道边沟；王建国不再追究此前损失。"


def mediated_agreement(world, *, facts=FACTS, terms=TERMS, parties=PARTIES, sign=True, **extra):
    """A dispute driven through the services to a (signed) agreement, as a mediator would."""
    case = intake.submit_report(world.gridworker, report_data(world.neighbours)).case
    workflow.accept_case(world.committee, case)
    workflow.dispatch_case(world.committee, case, unit=world.v1_mediation)
    workflow.start_case(world.mediator, case)
    party_ids = [workflow.add_party(world.mediator, case, **party).pk for party in parties]
    workflow.register_mediation(world.mediator, case, source="application", rights_notice_acknowledged=True)
    workflow.record_session(
        world.mediator,
        case,
        held_at=timezone.now(),
        place="东沟村人民调解室",
        mediators=[world.mediator],
        attendees="王建国、李卫东",
        record="双方陈述，调解员释法说理。",
    )
    workflow.record_agreement(
        world.mediator,
        case,
        facts=facts,
        issues=extra.get("issues", "排水沟是否改道、损失如何承担"),
        responsibilities=extra.get("responsibilities", "李卫东对排水不当负主要责任。"),
        terms=terms,
        performance=extra.get("performance", "李卫东自行施工改道，村调委会到场查看。"),
        perform_by=datetime.date(2030, 6, 30),
    )
    if sign:
        workflow.sign_agreement(world.mediator, case, party_ids=party_ids, signed_at=timezone.now())
    return Agreement.objects.select_related("case__current_unit").get(case=case)


def text(html):
    """The page's text with tags removed, to check what a reader sees."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


class TestHtml:
    def test_the_agreement_has_every_element_the_law_asks_for(self, world):
        agreement = mediated_agreement(world)
        html = agreement_html(agreement)
        assert html.startswith("<!DOCTYPE html>")
        assert "@page { size: A4" in html and "@media print" in html
        assert '"Noto Serif CJK SC", "Songti SC", "SimSun", serif' in html
        page = text(html)
        assert "人民调解协议书" in page
        assert f"编号：{agreement.case.number}" in page
        assert "人民调解委员会：东沟村人民调解委员会" in page
        assert "调解地点：东沟村人民调解室" in page
        for label in ("纠纷主要事实", "争议事项", "各方当事人的责任", "协议内容", "履行方式和期限"):
            assert label in page
        assert FACTS in page and TERMS in page
        assert "排水沟是否改道、损失如何承担" in page and "李卫东对排水不当负主要责任。" in page
        assert "李卫东自行施工改道" in page and "2030年6月30日前履行完毕" in page
        assert "签名、盖章或者按指印，人民调解员签名并加盖人民调解委员会印章之日起生效" in page
        assert "当事人可以自协议生效之日起三十日内共同向人民法院申请司法确认" in page
        signed_on = timezone.localdate(agreement.signed_at)
        assert f"{signed_on.year}年{signed_on.month}月{signed_on.day}日" in page
        assert "人民调解员（签名）：刘芳" in page

    def test_the_parties_are_printed_in_full_not_masked(self, world):
        html = agreement_html(mediated_agreement(world))
        page = text(html)
        assert html.count('<tr class="party">') == 2
        assert "王建国 申请人 11010519491231002X 13812345678" in page
        assert "李卫东 被申请人" in page and "13987654321" in page
        assert "*" not in page
        assert "申请人（签名、盖章或按指印）：王建国" in page
        assert "被申请人（签名、盖章或按指印）：李卫东" in page

    def test_one_copy_per_party_and_one_for_the_committee(self, world):
        two = agreement_html(mediated_agreement(world))
        assert 'data-copies="3"' in two and "本协议一式三份，双方当事人各执一份" in text(two)
        three_parties = [
            *PARTIES,
            {
                "name": "赵大山",
                "role": "third",
                "phone": "13700000000",
                "address": "东沟村3组",
                "id_number": "150922196507200317",
            },
        ]
        three = agreement_html(mediated_agreement(world, parties=three_parties))
        assert 'data-copies="4"' in three and "本协议一式四份，各方当事人各执一份" in text(three)
        assert "第三人" in three and "东沟村3组" in three
        assert [chinese_number(n) for n in (1, 10, 12, 20, 25, 101)] == ["一", "十", "十二", "二十", "二十五", "101"]

    def test_user_content_is_escaped(self, world):
        attack = '<script>alert("x")</script> & <b>粗</b>'
        parties = [{**PARTIES[0], "address": "<img src=x onerror=alert(1)>"}, PARTIES[1]]
        html = agreement_html(mediated_agreement(world, facts=attack, terms="第一条\n第二条", parties=parties))
        assert "<script>" not in html and "<b>粗</b>" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;粗&lt;/b&gt;" in html
        assert "&lt;img src=x onerror=alert(1)&gt;" in html
        assert "第一条<br>第二条" in html  # line breaks kept, as markup of our own

    def test_an_unsigned_agreement_leaves_the_date_blank(self, world):
        html = agreement_html(mediated_agreement(world, sign=False))
        assert '<p class="date">　　　　年　　月　　日</p>' in html


def page_count(pdf):
    return len(re.findall(rb"/Type /Page[^s]", pdf))


def _stream_data(pdf, number):
    """The decoded stream of object `number` (Flate, or ASCII85 over Flate as reportlab writes them)."""
    found = re.search(rb"\n%d 0 obj\s*<<(.*?)>>\s*stream\r?\n(.*?)endstream" % number, pdf, re.S)
    assert found, f"object {number} has no stream"
    head, data = found.groups()
    if b"/ASCII85Decode" in head:
        data = base64.a85decode(data.strip(), adobe=True)
    return zlib.decompress(data) if b"/FlateDecode" in head else data


def page_streams(pdf):
    """The decoded content streams (reportlab writes them ASCII85 over Flate): what is drawn on the pages."""
    out = []
    for match in re.finditer(
        rb"/Filter \[ /ASCII85Decode /FlateDecode \][^>]*>>\s*stream\r?\n(.*?)endstream", pdf, re.S
    ):
        out.append(zlib.decompress(base64.a85decode(match.group(1).strip(), adobe=True)))
    assert out, "no content streams found"
    return b"\n".join(out)


def font_codes(pdf):
    """Each font resource's code → character map, from its ToUnicode CMap (the embedded subsets)."""
    maps = {}
    for name, number in re.findall(rb"/(F[\w+]+) (\d+) 0 R", pdf):
        font = re.search(rb"\n%d 0 obj\s*<<(.*?)>>\s*endobj" % int(number), pdf, re.S)
        unicode = font and re.search(rb"/ToUnicode (\d+) 0 R", font.group(1))
        if not unicode:
            continue
        cmap = _stream_data(pdf, int(unicode.group(1)))
        maps[name] = {
            int(code, 16): chr(int(char, 16)) for code, char in re.findall(rb"<([0-9A-F]{2})> <([0-9A-F]{4})>", cmap)
        }
    return maps


_SHOW = re.compile(rb"/(F[\w+]+) [\d.]+ Tf|\(((?:\\.|[^\\()])*)\)\s*Tj|(T\*|\bET\b)")
_ESCAPE = re.compile(rb"\\([0-7]{1,3}|.)", re.S)
_SIMPLE = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _unescape(match):
    code = match.group(1)
    if code[:1].isdigit():
        return bytes([int(code, 8) & 0xFF])
    return _SIMPLE.get(code, code)


def drawn_text(pdf):
    """The text drawn on the pages, one line per line of text.

    The embedded font is subset in pieces of 256 characters, each a font resource of its own
    with one-byte codes; each piece's ToUnicode CMap gives the characters back.
    """
    codes = font_codes(pdf)
    lines = []
    line = []
    current = {}
    for match in _SHOW.finditer(page_streams(pdf)):
        if match.group(1):
            current = codes.get(match.group(1), {})
        elif match.group(3):  # the end of a line (T*) or of a text object (ET)
            if line:
                lines.append("".join(line))
            line = []
        else:
            raw = _ESCAPE.sub(_unescape, match.group(2))
            line.append("".join(current.get(byte, "\ufffd") for byte in raw))
    return "\n".join(lines)


class TestPdf:
    def test_it_is_an_a4_pdf(self, world):
        pdf = agreement_pdf(mediated_agreement(world))
        assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
        assert b"/MediaBox [ 0 0 595.2756 841.8898 ]" in pdf  # A4 in points
        assert page_count(pdf) >= 1

    def test_it_embeds_its_chinese_font_subset_and_names_no_font_it_does_not_carry(self, world):
        pdf = agreement_pdf(mediated_agreement(world))
        fonts = re.findall(rb"\n(\d+) 0 obj\s*<<(.*?/Type /Font\b.*?)>>\s*endobj", pdf, re.S)
        assert fonts
        for _number, font in fonts:
            # Every font is a TrueType subset (a tagged name, ABCDEF+) whose descriptor holds the glyphs.
            assert b"/Subtype /TrueType" in font, font[:200]
            assert re.search(rb"/BaseFont /[A-Z]{6}\+", font), font[:200]
            descriptor = int(re.search(rb"/FontDescriptor (\d+) 0 R", font).group(1))
            body = re.search(rb"\n%d 0 obj\s*<<(.*?)>>\s*endobj" % descriptor, pdf, re.S).group(1)
            embedded = re.search(rb"/FontFile[23] (\d+) 0 R", body)
            assert embedded, body
            assert len(_stream_data(pdf, int(embedded.group(1)))) > 1000
        # No CJK font the reader would have to supply (reportlab's built-in CID fonts), no standard 14 font.
        for missing in (b"STSong", b"UniGB", b"/Type0", b"Helvetica", b"Times-Roman", b"Courier"):
            assert missing not in pdf, missing
        # Subset: far smaller than the font file (about 20 MB), whatever the text.
        assert len(pdf) < 1_000_000

    def test_the_pages_carry_the_chinese_text_and_full_id_numbers(self, world):
        agreement = mediated_agreement(world)
        content = drawn_text(agreement_pdf(agreement))
        for words in ("人民调解协议书", "纠纷主要事实", "王建国", "11010519491231002X", "三十日内", "一式三份", "刘芳"):
            assert words in content, words
        assert f"编号：{agreement.case.number}" in content
        assert "*" not in content

    def test_long_text_wraps_onto_more_pages_without_crashing(self, world):
        short = agreement_pdf(mediated_agreement(world))
        long_facts = "\n".join(f"第{n}次争吵：{FACTS * 3}" for n in range(1, 60))
        unbroken = "无空格的很长一段文字" * 400  # no break opportunity but between characters
        long = agreement_pdf(mediated_agreement(world, facts=long_facts, terms=unbroken))
        assert page_count(short) <= 2
        assert page_count(long) > page_count(short) + 3

    def test_xml_specials_in_user_content_do_not_break_the_markup(self, world):
        attack = 'a < b & c > d <font name="Courier">x</font> <br/> "q" \'s\''
        parties = [{**PARTIES[0], "address": "<b>东沟村</b> & 1组"}, PARTIES[1]]
        agreement = mediated_agreement(world, facts=attack, terms="<para>", parties=parties)
        content = drawn_text(agreement_pdf(agreement))
        assert 'a < b & c > d <font name="Courier">x</font> <br/> "q"' in content  # literally, not as markup
        assert "<b>东沟村</b> & 1组" in content.replace("\n", "")  # the narrow address cell wraps it
        assert "<para>" in content
