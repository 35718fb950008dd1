import pytest

from disputes.models import Category
from open311 import services
from tests import worlds


@pytest.fixture
def world(db):
    return worlds.build()


@pytest.fixture
def publish(world):
    """Make categories public by code, as the county does in the admin (children of a published code included)."""

    def publish(*codes):
        for category in Category.objects.filter(code__in=codes):
            category.public = True
            category.save()  # through save, as the admin does: the reference cache follows

    return publish


@pytest.fixture
def key(world):
    """A client application's api_key (and the client as `key.client`)."""
    client, key = services.create_client("城市服务App", "app@example.org")
    return Key(key, client)


class Key(str):
    def __new__(cls, value, client):
        self = super().__new__(cls, value)
        self.client = client
        return self
