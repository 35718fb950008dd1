"""Schema safety: SQLite rebuilds a table for many migration operations, and a rebuild drops
SpatiaLite's spatial-index triggers silently; locate and the duplicate search then miss rows."""

import pytest
from django.apps import apps
from django.contrib.gis.db.models import GeometryField
from django.db import connection

from disputes import intake
from tests.disputes.conftest import report_data


@pytest.mark.skipif(connection.vendor != "sqlite", reason="PostGIS maintains its GiST indexes itself")
def test_every_spatial_index_follows_its_table(world):
    intake.submit_report(world.gridworker, report_data(world.neighbours))
    checked = []
    with connection.cursor() as cursor:
        for model in apps.get_models():
            for field in model._meta.local_fields:
                if isinstance(field, GeometryField) and field.spatial_index:
                    table = model._meta.db_table
                    cursor.execute(f'SELECT count(*) FROM "{table}"')
                    rows = cursor.fetchone()[0]
                    cursor.execute(f'SELECT count(*) FROM "idx_{table}_{field.column}"')
                    assert cursor.fetchone()[0] == rows, f"{table}.{field.column}"
                    checked.append((table, rows))
    assert all(rows > 0 for _, rows in checked), checked
    assert {"grid_region", "grid_gridcell", "disputes_case", "disputes_report"} <= {t for t, _ in checked}
