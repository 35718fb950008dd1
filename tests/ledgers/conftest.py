import pytest

from tests import worlds


@pytest.fixture
def world(db):
    return worlds.build()
