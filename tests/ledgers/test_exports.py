"""Ledgers (台账): exports of the registers, queued and written by the job runner, streamed to .xlsx
or CSV, scoped by visible_to and masked unless the reader handles the case."""

import csv
import io
import re
import zipfile

import pytest
from django.core.management import call_command

from ledgers import registers, services, writers
from ledgers.models import Export
from tests.disputes.conftest import PARTIES, POINT_V3
from tests.disputes.stories import closed, new_case
from tests.factories import client_for


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture(autouse=True)
def worker_keeps_the_test_connection(monkeypatch):
    """The real worker (db_worker) runs here, inside the test's transaction: its between-tasks
    connection hygiene would close that transaction's connection on PostgreSQL, as Django's test
    client also prevents for requests."""
    monkeypatch.setattr("django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None)


@pytest.fixture
def cases(world):
    return {
        "t1": new_case(world, parties=PARTIES),
        "t1_closed": closed(world, world.v1_committee, world.committee),
        "t2": new_case(world, point=POINT_V3, parties=PARTIES),
    }


def ask(client, django_capture_on_commit_callbacks, **body):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post("/api/ledgers/exports/", body, format="json")


def run_worker():
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


def finished(client, response):
    assert response.status_code == 202, response.content
    run_worker()
    body = client.get(response.json()["url"]).json()
    assert body["state"] == "done", body
    file = client.get(body["download"])
    assert file.status_code == 200
    return body, b"".join(file.streaming_content)


def csv_rows(content):
    assert content.startswith("\ufeff".encode())  # Excel opens UTF-8 with a BOM
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def test_a_csv_export_is_queued_written_by_the_worker_and_downloaded(world, cases, django_capture_on_commit_callbacks):
    client = client_for(world.operator)
    response = ask(client, django_capture_on_commit_callbacks, register="cases", format="csv")
    assert response.json()["state"] == "queued" and response.json()["download"] is None
    body, content = finished(client, response)
    rows = csv_rows(content)
    assert rows[0][:3] == ["案件编号", "登记时间", "类型"]
    numbers = {row[0] for row in rows[1:]}
    # T1's operator: T1's cases, not T2's.
    assert numbers == {cases["t1"].number, cases["t1_closed"].number}
    assert body["rows_total"] == body["rows_done"] == 2
    row = next(row for row in rows[1:] if row[0] == cases["t1"].number)
    assert row[7] == "王建国；李卫东"
    assert row[8] == "13812345678；13987654321"  # the township centre supervises: unmasked
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", row[1])


def test_who_does_not_handle_the_case_sees_phones_and_id_numbers_masked(
    world, cases, django_capture_on_commit_callbacks
):
    client = client_for(world.gridworker)  # sees c1's cases, handles none
    _body, content = finished(
        client, ask(client, django_capture_on_commit_callbacks, register="disputes", format="csv")
    )
    rows = csv_rows(content)
    row = next(row for row in rows[1:] if row[0] == cases["t1"].number)
    assert row[3] == "110***********002X；150***********0419"
    assert row[4] == "138****5678；139****4321"
    assert "11010519491231002X" not in content.decode("utf-8-sig")


def test_an_xlsx_export_has_chinese_headers_a_frozen_row_widths_and_real_dates(
    world, cases, django_capture_on_commit_callbacks
):
    client = client_for(world.county_operator)
    _body, content = finished(client, ask(client, django_capture_on_commit_callbacks, register="cases", format="xlsx"))
    book = zipfile.ZipFile(io.BytesIO(content))
    sheet = book.read("xl/worksheets/sheet1.xml").decode()
    assert 'ySplit="1"' in sheet and 'state="frozen"' in sheet
    assert "<cols>" in sheet and 'width="40.7' in sheet  # the description column is wide
    text = sheet + (book.read("xl/sharedStrings.xml").decode() if "xl/sharedStrings.xml" in book.namelist() else "")
    assert "案件编号" in text and cases["t2"].number in text
    # Registered at: a number with a date format (a real date in Excel), not text.
    assert re.search(r'<c r="B2" s="\d+"><v>\d{5}\.\d+</v></c>', sheet)
    styles = book.read("xl/styles.xml").decode()
    assert 'formatCode="yyyy-mm-dd hh:mm"' in styles


def test_past_a_sheets_rows_the_register_goes_on_in_the_next_sheet(world, cases, monkeypatch):
    monkeypatch.setattr(writers, "SHEET_ROWS", 2)
    export = Export.objects.create(user=world.county_operator, register="cases", format="xlsx", filters={})
    services.write(export.pk)
    export.refresh_from_db()
    assert export.state == "done" and export.rows_done == 3
    book = zipfile.ZipFile(services.path_of(export))
    assert len([n for n in book.namelist() if n.startswith("xl/worksheets/sheet")]) == 2


def test_filters_are_the_case_lists(world, cases, django_capture_on_commit_callbacks):
    client = client_for(world.county_operator)
    response = ask(
        client, django_capture_on_commit_callbacks, register="cases", format="csv", filters={"state": ["closed"]}
    )
    _body, content = finished(client, response)
    assert [row[0] for row in csv_rows(content)[1:]] == [cases["t1_closed"].number]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"register": "bogus", "format": "csv"}, "register"),
        ({"register": "cases", "format": "pdf"}, "format"),
        ({"register": "cases", "format": "csv", "filters": {"state": ["bogus"]}}, "state"),
        ({"register": "cases", "format": "csv", "filters": {"colour": "red"}}, "colour"),
        ({"register": "cases", "format": "csv", "filters": {"created_after": "yesterday"}}, "created_after"),
        ({"register": "cases", "format": "csv", "filters": {"state": {"a": 1}}}, "filters"),
        ({"format": "csv"}, "register"),
    ],
)
def test_bad_input_is_a_400_naming_it_and_queues_nothing(world, body, field, django_capture_on_commit_callbacks):
    response = ask(client_for(world.operator), django_capture_on_commit_callbacks, **body)
    assert response.status_code == 400, response.content
    assert set(response.json()) == {"code", "message", "fields"} and field in response.json()["fields"]
    assert not Export.objects.exists()


def test_an_export_is_its_askers_alone_and_its_file_waits_for_the_end(world, cases, django_capture_on_commit_callbacks):
    mine = client_for(world.operator)
    response = ask(mine, django_capture_on_commit_callbacks, register="supervision", format="csv")
    url = response.json()["url"]
    other = client_for(world.operator_t2)
    assert other.get(url).status_code == 404
    early = mine.get(url + "file/")
    assert early.status_code == 409 and early.json()["code"] == "not_ready"
    assert client_for().get(url).status_code == 401
    run_worker()
    assert mine.get(url + "file/").status_code == 200
    assert other.get(url + "file/").status_code == 404
    assert [e["id"] for e in mine.get("/api/ledgers/exports/").json()] == [response.json()["id"]]
    assert other.get("/api/ledgers/exports/").json() == []


@pytest.mark.parametrize("register", ["cases", "disputes", "mediations", "follow_ups", "supervision", "work_log"])
def test_every_register_writes_both_formats(world, cases, register):
    for fmt in ("csv", "xlsx"):
        export = Export.objects.create(user=world.county_operator, register=register, format=fmt, filters={})
        services.write(export.pk)
        export.refresh_from_db()
        assert export.state == "done", export.error
        assert export.rows_done == export.rows_total


def test_the_work_log_lists_the_gridworkers_reports(world, cases):
    export = Export.objects.create(user=world.county_operator, register="work_log", format="csv", filters={})
    services.write(export.pk)
    rows = csv_rows(services.path_of(export).read_bytes())
    assert {row[1] for row in rows[1:]} == {"李明", "周平"}
    assert {row[3] for row in rows[1:]} == {case.number for case in cases.values()}


def test_a_failing_export_says_so_and_leaves_no_file(world, cases, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(writers.CsvSink, "write", broken)
    export = Export.objects.create(user=world.county_operator, register="cases", format="csv", filters={})
    services.write(export.pk)
    export.refresh_from_db()
    assert export.state == "failed" and "disk full" in export.error
    assert list(services.folder().iterdir()) == []


def test_the_headers_are_in_the_askers_language(world, cases, django_capture_on_commit_callbacks):
    client = client_for(world.operator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/ledgers/exports/", {"register": "cases", "format": "csv"}, format="json", HTTP_ACCEPT_LANGUAGE="en"
        )
    _body, content = finished(client, response)
    assert csv_rows(content)[0][:3] == ["Case number", "Registered at", "Kind"]


def test_the_rows_and_their_parties_stream_together_with_progress_between(world, monkeypatch):
    """The cases and their parties are two queries read at once (server-side cursors on
    PostgreSQL), a row at a time here, with progress written between rows: every row gets its own
    case's parties, none from a neighbour. (The audit log's append-only triggers keep tests in a
    transaction; bench/exports.py runs it in autocommit, as db_worker does.)"""
    cases = [new_case(world), new_case(world, parties=PARTIES), new_case(world), new_case(world, parties=PARTIES[:1])]
    monkeypatch.setattr(registers, "CHUNK", 1)
    monkeypatch.setattr(services, "PROGRESS_EVERY", 1)
    export = Export.objects.create(user=world.county_operator, register="cases", format="csv", filters={})
    services.write(export.pk)
    export.refresh_from_db()
    assert export.state == "done", export.error
    assert export.rows_done == export.rows_total == len(cases)
    parties = {row[0]: row[7] for row in csv_rows(services.path_of(export).read_bytes())[1:]}
    assert [parties[case.number] for case in cases] == ["", "王建国；李卫东", "", "王建国"]
