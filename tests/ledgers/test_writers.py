"""The .xlsx writer against xlsxwriter's own: the rows XlsxSink writes into its sheets are the
XML xlsxwriter writes in constant-memory mode, byte for byte, whatever the texts hold; and they
read back as the values written."""

import datetime
import zipfile
from xml.etree import ElementTree

import pytest

from ledgers import writers
from ledgers.registers import Column

COLUMNS = [
    Column("案件编号", 16),
    Column("登记时间", 17, "datetime"),
    Column("日期", 10, "date"),
    Column("次数", 8, "number"),
    Column("情况", 40),
    Column("备注", 12),
]
WHEN = datetime.datetime(2026, 11, 30, 17, 45, 30, 250000)
PLAIN = ("000000000001", WHEN, datetime.date(2026, 1, 1), 3, "两户因宅前排水沟堵塞发生争吵", "无")
ROWS = [
    PLAIN,
    ("000000000002", None, None, None, "王建国；李卫东", ""),  # empty cells are left out
    ("000000000003", WHEN, None, 2.5, "a & b <c> \"d\" 'e'", "x>y"),  # XML's characters
    ("000000000004", None, None, 0, "\u3000全角空格开头", "结尾有空格 "),  # whitespace kept at the ends
    ("\t制表", None, None, -1e20, "第一行\n第二行", "\n"),
    ("000000000006", None, None, None, "控制\x01字符\x1f", "_x0041_ 像转义"),  # control characters, _xHHHH_
    ("000000000007", datetime.datetime(1900, 3, 1), datetime.date(1900, 2, 28), 12345678901234567, "\ufffe", True),
    ("000000000008", None, None, None, "长" * 40_000, "😀" * 20_000),  # past Excel's 32,767: cut, as xlsxwriter does
    PLAIN,
]


def written(sink, path, rows):
    out = sink(path, "案件登记台账", COLUMNS)
    for row in rows:
        out.write(row)
    out.close()
    return zipfile.ZipFile(path)


def assert_same_book(fast, reference):
    assert [i.filename for i in fast.infolist()] == [i.filename for i in reference.infolist()]
    for name in reference.namelist():
        if name == "docProps/core.xml":  # the time it was made
            continue
        assert fast.read(name) == reference.read(name), name


@pytest.mark.parametrize("rows", [ROWS, [PLAIN] * 40, []], ids=["every kind of cell", "plain", "no rows"])
def test_the_sheets_are_xlsxwriters_byte_for_byte(tmp_path, rows):
    assert_same_book(
        written(writers.XlsxSink, tmp_path / "fast.xlsx", rows),
        written(writers.XlsxWriterSink, tmp_path / "reference.xlsx", rows),
    )


def test_past_a_sheets_rows_both_go_on_in_the_same_next_sheets(tmp_path, monkeypatch):
    monkeypatch.setattr(writers, "SHEET_ROWS", 4)
    fast = written(writers.XlsxSink, tmp_path / "fast.xlsx", ROWS)
    assert_same_book(fast, written(writers.XlsxWriterSink, tmp_path / "reference.xlsx", ROWS))
    sheets = [n for n in fast.namelist() if n.startswith("xl/worksheets/sheet")]
    assert sheets == ["xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml", "xl/worksheets/sheet3.xml"]
    assert '<dimension ref="A1:F2"/>' in fast.read(sheets[2]).decode()  # the header and the ninth row


NS = {"x": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


def test_the_cells_read_back_as_written(tmp_path):
    book = written(writers.XlsxSink, tmp_path / "fast.xlsx", ROWS)
    sheet = ElementTree.fromstring(book.read("xl/worksheets/sheet1.xml"))
    rows = sheet.findall("x:sheetData/x:row", NS)
    assert len(rows) == 1 + len(ROWS)
    cells = {c.get("r"): c for row in rows for c in row}

    def text(ref):
        return "".join(cells[ref].find("x:is/x:t", NS).itertext())

    assert text("A1") == "案件编号"
    assert text("E4") == "a & b <c> \"d\" 'e'"
    assert text("E5") == "\u3000全角空格开头" and text("F5") == "结尾有空格 "
    assert cells["F5"].find("x:is/x:t", NS).get("{http://www.w3.org/XML/1998/namespace}space") == "preserve"
    assert text("E6") == "第一行\n第二行"
    assert text("E7") == "控制_x0001_字符_x001F_" and text("F7") == "_x005F_x0041_ 像转义"
    assert len(text("E9")) == 32_767
    assert "C3" not in cells and "F3" not in cells  # None and "" leave the cell out
    # A date is its serial number with the column's date format; 2026-11-30 17:45:30.25.
    assert float(cells["B2"].find("x:v", NS).text) == pytest.approx(46356.7399334, abs=1e-7)
    assert float(cells["C2"].find("x:v", NS).text) == 46023
    assert cells["B2"].get("s") == cells["B4"].get("s") != cells["C2"].get("s")
    assert cells["D5"].get("s") is None and cells["D5"].find("x:v", NS).text == "0"
