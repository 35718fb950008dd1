"""The assessment tests' world is the one in tests/worlds.py; cases come from tests/disputes/stories.py."""

import pytest

from tests import worlds


@pytest.fixture
def world(db):
    return worlds.build()
