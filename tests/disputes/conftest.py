"""The disputes tests' world is the one in tests/worlds.py; report data and parties to go with it."""

import datetime
import uuid

import pytest
from django.utils import timezone

from tests import worlds
from tests.worlds import POINT_V1_C1, POINT_V1_C2, POINT_V3  # noqa: F401 - the tests import them from here


@pytest.fixture
def world(db):
    return worlds.build()


def report_data(category, point=POINT_V1_C1, **overrides):
    data = {
        "id": uuid.uuid4(),
        "source": "app",
        "category": getattr(category, "code", category),
        "description": "两户因宅前排水沟堵塞发生争吵",
        "lon": point[0],
        "lat": point[1],
        "accuracy_m": 8.0,
        "occurred_at": timezone.now() - datetime.timedelta(minutes=30),
        "severity": 2,
        "parties": [],
        "photos": [],
    }
    data.update(overrides)
    return data


# Complete as an agreement needs them (人民调解法 第二十九条): ID numbers and addresses.
PARTIES = [
    {
        "name": "王建国",
        "role": "applicant",
        "id_number": "11010519491231002X",
        "phone": "13812345678",
        "address": "东沟村三组12号",
    },
    {
        "name": "李卫东",
        "role": "respondent",
        "id_number": "150922197803150419",
        "phone": "13987654321",
        "address": "东沟村三组14号",
    },
]
