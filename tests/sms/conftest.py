import pytest

from tests import worlds
from tests.sms.fake_tencent import SECRET_ID, SECRET_KEY, FakeTencent


@pytest.fixture
def world(db):
    return worlds.build()


@pytest.fixture
def tencent(settings):
    fake = FakeTencent()
    settings.SMS_BACKEND = "sms.backends.tencent.TencentBackend"
    settings.SMS_TENCENT_ENDPOINT = fake.url
    settings.SMS_TENCENT_SECRET_ID = SECRET_ID
    settings.SMS_TENCENT_SECRET_KEY = SECRET_KEY
    settings.SMS_TENCENT_APP_ID = "1400000000"
    settings.SMS_TENCENT_SIGN_NAME = "化德县综治中心"
    settings.SMS_TEMPLATE_IDS = {"case_received": "100001", "case_closed": "100002"}
    settings.SMS_TIMEOUT_SECONDS = 1
    yield fake
    fake.close()


@pytest.fixture(autouse=True)
def worker_keeps_the_test_connection(monkeypatch):
    monkeypatch.setattr("django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None)
