"""Rows to files, streaming, never a whole workbook in memory.

- `XlsxSink`: each sheet's rows are written as SpreadsheetML straight to a temporary file, row by
  row; the workbook around them (styles, column widths and formats, the frozen header row, the
  sheet names) is made by xlsxwriter's public API at the end, and the rows are spliced into its
  sheets while the final zip is written. The rows are the XML xlsxwriter writes in its
  constant-memory mode (tests/ledgers/test_writers.py compares the sheets with `XlsxWriterSink`'s
  byte for byte), several times faster: xlsxwriter spends about 6 µs a cell in pure Python, which
  makes a million-row register take minutes (bench/exports.py measures both). No xlsxwriter
  internals are used.
- `XlsxWriterSink`: the same workbook written cell by cell by xlsxwriter in constant-memory mode;
  the reference for the tests and the bench (`bench/exports.py --xlsx-writer xlsxwriter`).
- `CsvSink`: UTF-8 with a BOM, so Excel opens it with the Chinese intact.

Dates and times are numbers with their column's date format (real dates in Excel).
"""

import csv
import datetime
import re
import shutil
import tempfile
import zipfile
from pathlib import Path

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name

# An Excel sheet holds 1,048,576 rows; with its header row, a sheet takes this many data rows and
# the register goes on in the next sheet.
SHEET_ROWS = 1_048_575
# Excel's limit on a cell's text, in UTF-16 code units (xlsxwriter truncates to it too).
CELL_TEXT_MAX = 32_767
# zlib level of the sheets' XML in the zip: level 1 compresses about three times faster than the
# default 6 (0.28 s of CPU against 0.79 s for 100,000 case-register rows) for a file about a
# quarter larger (7.3 MB against 5.9 MB).
ZIP_LEVEL = 1


class _Book:
    """An xlsxwriter workbook (constant memory) dressed for a register: a sheet has the columns'
    widths and date formats and the header row in bold, frozen."""

    def __init__(self, path, title, columns):
        self.workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_urls": False})
        self.title, self.columns, self.sheets = title, columns, []
        self.header = self.workbook.add_format({"bold": True, "bg_color": "#DCE6F1", "border": 1, "text_wrap": True})
        self.dates = {
            "datetime": self.workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
            "date": self.workbook.add_format({"num_format": "yyyy-mm-dd"}),
        }

    def add_sheet(self):
        number = len(self.sheets) + 1
        name = str(self.title)[:25] if number == 1 else f"{str(self.title)[:22]} ({number})"
        sheet = self.workbook.add_worksheet("".join(c for c in name if c not in "[]:*?/\\"))
        for index, column in enumerate(self.columns):
            sheet.set_column(index, index, column.width, self.dates.get(column.kind))
        sheet.write_row(0, 0, [str(column.header) for column in self.columns], self.header)
        sheet.freeze_panes(1, 0)
        self.sheets.append(sheet)
        return sheet

    def close(self):
        self.workbook.close()


class XlsxWriterSink:
    """The register written cell by cell by xlsxwriter. A cell without a format of its own takes
    its column's (the dates'), as in Excel."""

    def __init__(self, path, title, columns):
        self.book = _Book(path, title, columns)
        self.sheet, self.row = self.book.add_sheet(), 0

    def write(self, values):
        if self.row == SHEET_ROWS:
            self.sheet, self.row = self.book.add_sheet(), 0
        self.row += 1
        sheet, row = self.sheet, self.row
        for index, value in enumerate(values):
            if value is None or value == "":
                continue
            if isinstance(value, (datetime.datetime, datetime.date)):
                sheet.write_datetime(row, index, value)
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                sheet.write_number(row, index, value)
            else:
                sheet.write_string(row, index, str(value))

    def close(self):
        self.book.close()


# --- the fast sheet writer -----------------------------------------------------------------------

_EPOCH = datetime.datetime(1899, 12, 31)
# What a string needs more than a plain copy for: control characters, the _xHHHH_ escapes Excel
# reads them back from, the two non-characters, and XML's own three.
_SPECIAL = re.compile("[\x00-\x08\x0b-\x1f\ufffe\uffff&<>]|_x[0-9a-fA-F]{4}_")
# The same for a row's texts joined by a separator, with a separator beside whitespace.
_SEPARATOR = "\ue000"
_ROW_CHARS = re.compile("[\x00-\x08\x0b-\x1f\ufffe\uffff&<>]")
_ROW_EDGES = re.compile("\ue000(?:\\s|(?<=\\s\ue000))")  # a separator with whitespace after or before it
_ESCAPED = re.compile("(_x[0-9a-fA-F]{4}_)")
_CONTROL = re.compile("([\x00-\x08\x0b-\x1f])")
_COL = re.compile(r"<col ([^>]*)/>")
_ATTR = re.compile(r'(\w+)="([^"]*)"')
_DIMENSION = re.compile(r'<dimension ref="([A-Z]+)1(?::[A-Z]+\d+)?"/>')


def excel_time(value):
    """A naive date or datetime as Excel's serial number (1900 system, with its 29 February 1900)."""
    if not isinstance(value, datetime.datetime):
        value = datetime.datetime(value.year, value.month, value.day)
    delta = value - _EPOCH
    serial = delta.days + (float(delta.seconds) + float(delta.microseconds) / 1e6) / (60 * 60 * 24)
    return serial + 1 if serial > 59 else serial


def _inline(start, style, text):
    if len(text) > CELL_TEXT_MAX // 2 and len(text.encode("utf-16-le")) // 2 > CELL_TEXT_MAX:
        text = text.encode("utf-16-le")[: CELL_TEXT_MAX * 2].decode("utf-16-le", "ignore")
    if _SPECIAL.search(text):
        text = _ESCAPED.sub(r"_x005F\1", text)
        text = _CONTROL.sub(lambda match: f"_x{ord(match.group(1)):04X}_", text)
        text = text.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if text[0].isspace() or text[-1].isspace():
        return f'{start}"{style} t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'
    return f'{start}"{style} t="inlineStr"><is><t>{text}</t></is></c>'


class XlsxSink:
    """The register as .xlsx, its rows' XML written here (see the module's docstring)."""

    def __init__(self, path, title, columns):
        self.path, self.title, self.columns = Path(path), title, columns
        self.letters = [xl_col_to_name(index) for index in range(len(columns))]
        self.starts = [f'<c r="{letter}' for letter in self.letters]
        self.buffer = []
        self.styles = _column_styles(self.path.parent, title, columns)
        self.parts = []  # per sheet: [temporary file of its rows' XML, rows]
        self._new_sheet()

    def _new_sheet(self):
        if self.parts:
            self._flush()
        rows = tempfile.TemporaryFile("w+", encoding="utf-8", newline="", dir=self.path.parent)  # noqa: SIM115
        self.parts.append([rows, 0])
        self.file, self.row = rows, 1  # the header is row 1

    def write(self, values):
        if self.row > SHEET_ROWS:
            self._new_sheet()
        self.row += 1
        number = self.row
        # One look at the row's texts together: most rows need no escaping and no care for
        # whitespace at a text's ends (a separator beside a space), so their texts are copied.
        texts = [value for value in values if value.__class__ is str]
        joined = _SEPARATOR.join(texts)
        plain = not (
            len(joined) > CELL_TEXT_MAX // 2
            or _ROW_CHARS.search(joined)
            or _ROW_EDGES.search(f"{_SEPARATOR}{joined}{_SEPARATOR}")
            or ("_x" in joined and _ESCAPED.search(joined))
        )
        cells = []
        for start, style, value in zip(self.starts, self.styles, values, strict=True):
            if value.__class__ is str:
                if not value:
                    continue
                if plain:
                    cells.append(f'{start}{number}"{style} t="inlineStr"><is><t>{value}</t></is></c>')
                else:
                    cells.append(_inline(f"{start}{number}", style, value))
            elif value is None:
                continue
            elif isinstance(value, (datetime.datetime, datetime.date)):
                cells.append(f'{start}{number}"{style}><v>{excel_time(value):.16G}</v></c>')
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                cells.append(f'{start}{number}"{style}><v>{value:.16G}</v></c>')
            else:
                value = str(value)
                if value:
                    cells.append(_inline(f"{start}{number}", style, value))
        self.buffer.append(f'<row r="{number}">{"".join(cells)}</row>')
        if len(self.buffer) >= 1000:
            self._flush()
        self.parts[-1][1] += 1

    def _flush(self):
        self.file.write("".join(self.buffer))
        self.buffer.clear()

    def close(self):
        self._flush()
        try:
            with tempfile.TemporaryDirectory(dir=self.path.parent) as folder:
                skeleton = Path(folder) / "book.xlsx"
                book = _Book(skeleton, self.title, self.columns)
                for _part in self.parts:
                    book.add_sheet()
                book.close()
                self._assemble(skeleton)
        finally:
            for rows, _count in self.parts:
                rows.close()

    def _assemble(self, skeleton):
        sheets = {f"xl/worksheets/sheet{number}.xml": part for number, part in enumerate(self.parts, 1)}
        with (
            zipfile.ZipFile(skeleton) as source,
            zipfile.ZipFile(self.path, "w", zipfile.ZIP_DEFLATED, compresslevel=ZIP_LEVEL) as target,
        ):
            for info in source.infolist():
                xml = source.read(info)
                if info.filename not in sheets:
                    target.writestr(info, xml)
                    continue
                rows, count = sheets[info.filename]
                xml = xml.decode("utf-8")
                if _styles_of(xml, len(self.columns)) != self.styles:
                    raise RuntimeError("xlsxwriter gave the columns other styles than at the start")
                if count:
                    first = _DIMENSION.search(xml).group(1)
                    xml = _DIMENSION.sub(f'<dimension ref="{first}1:{self.letters[-1]}{count + 1}"/>', xml, count=1)
                head, tail = xml.split("</sheetData>", 1)
                with target.open(info.filename, "w", force_zip64=True) as out:
                    out.write(head.encode("utf-8"))
                    rows.flush()
                    rows.seek(0)
                    with open(rows.fileno(), "rb", closefd=False) as raw:
                        shutil.copyfileobj(raw, out, 1 << 20)
                    out.write(("</sheetData>" + tail).encode("utf-8"))


def _styles_of(sheet_xml, count):
    """The ` s="N"` a cell of each of `count` columns takes (its column's format), from a sheet's <cols>."""
    styles = {}
    for col in _COL.findall(sheet_xml):
        attributes = dict(_ATTR.findall(col))
        for index in range(int(attributes["min"]) - 1, int(attributes["max"])):
            styles[index] = f' s="{attributes["style"]}"' if "style" in attributes else ""
    return [styles.get(index, "") for index in range(count)]


def _column_styles(folder, title, columns):
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        path = Path(tmp) / "probe.xlsx"
        book = _Book(path, title, columns)
        book.add_sheet()
        book.close()
        with zipfile.ZipFile(path) as probe:
            return _styles_of(probe.read("xl/worksheets/sheet1.xml").decode("utf-8"), len(columns))


class CsvSink:
    def __init__(self, path, title, columns):
        self.file = open(path, "w", encoding="utf-8-sig", newline="")  # noqa: SIM115 - closed in close()
        self.writer = csv.writer(self.file)
        self.writer.writerow([str(column.header) for column in columns])

    def write(self, values):
        self.writer.writerow([value if value.__class__ is str else _text(value) for value in values])

    def close(self):
        self.file.close()


def _text(value):
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.isoformat(" ", "minutes")  # 2026-11-30 17:45 (naive: the county's time)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


SINKS = {"xlsx": XlsxSink, "csv": CsvSink}
