import pytest
from django.db import connection


@pytest.fixture
def on_postgis():
    return connection.vendor == "postgresql"
