"""The desk's tests run in the shared test world (tests/worlds.py): operator is a clerk of 长顺镇's centre."""

import datetime
import uuid

import pytest
from django.utils import timezone

from tests import worlds
from tests.worlds import POINT_V1_C1

PHONE = "13800138000"


@pytest.fixture
def world(db):
    return worlds.build()


def call_data(category, point=POINT_V1_C1, **overrides):
    data = {
        "id": uuid.uuid4(),
        "source": "hotline",
        "category": getattr(category, "code", category),
        "description": "来电反映邻居在楼道堆放杂物",
        "lon": point[0],
        "lat": point[1],
        "occurred_at": timezone.now() - datetime.timedelta(hours=1),
        "contact_name": "赵大妈",
        "contact_phone": PHONE,
    }
    data.update(overrides)
    return data
