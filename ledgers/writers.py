"""Rows to files, streaming: xlsxwriter in constant-memory mode (each row is written to a temporary
file as it comes, never a whole workbook in memory) and CSV in UTF-8 with a BOM, so Excel opens it
with the Chinese intact."""

import csv
import datetime

import xlsxwriter

# An Excel sheet holds 1,048,576 rows; with its header row, a sheet takes this many data rows and
# the register goes on in the next sheet.
SHEET_ROWS = 1_048_575


class XlsxSink:
    def __init__(self, path, title, columns):
        self.workbook = xlsxwriter.Workbook(path, {"constant_memory": True, "strings_to_urls": False})
        self.title, self.columns = title, columns
        self.header = self.workbook.add_format({"bold": True, "bg_color": "#DCE6F1", "border": 1, "text_wrap": True})
        self.datetime = self.workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
        self.date = self.workbook.add_format({"num_format": "yyyy-mm-dd"})
        self.sheets = 0
        self._new_sheet()

    def _new_sheet(self):
        self.sheets += 1
        name = str(self.title)[:25] if self.sheets == 1 else f"{str(self.title)[:22]} ({self.sheets})"
        # Sheet names may not hold []:*?/\ and must be unique.
        name = "".join(c for c in name if c not in "[]:*?/\\")
        self.sheet = self.workbook.add_worksheet(name)
        for index, column in enumerate(self.columns):
            fmt = {"datetime": self.datetime, "date": self.date}.get(column.kind)
            self.sheet.set_column(index, index, column.width, fmt)
        self.sheet.write_row(0, 0, [str(column.header) for column in self.columns], self.header)
        self.sheet.freeze_panes(1, 0)
        self.row = 0

    def write(self, values):
        if self.row == SHEET_ROWS:
            self._new_sheet()
        self.row += 1
        for index, value in enumerate(values):
            if value is None or value == "":
                continue
            if isinstance(value, datetime.datetime):
                self.sheet.write_datetime(self.row, index, value, self.datetime)
            elif isinstance(value, datetime.date):
                self.sheet.write_datetime(self.row, index, value, self.date)
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                self.sheet.write_number(self.row, index, value)
            else:
                self.sheet.write_string(self.row, index, str(value))

    def close(self):
        self.workbook.close()


class CsvSink:
    def __init__(self, path, title, columns):
        self.file = open(path, "w", encoding="utf-8-sig", newline="")  # noqa: SIM115 - closed in close()
        self.writer = csv.writer(self.file)
        self.writer.writerow([str(column.header) for column in columns])

    def write(self, values):
        self.writer.writerow([_text(value) for value in values])

    def close(self):
        self.file.close()


def _text(value):
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


SINKS = {"xlsx": XlsxSink, "csv": CsvSink}
