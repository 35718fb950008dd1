"""The issuing centre's list page: its own orders, filtered; nothing outside the jurisdiction."""

from django.test import Client

from supervision import services
from tests.supervision.conftest import new_case


def page(user, **params):
    client = Client()
    client.force_login(user)
    return client.get("/supervision/", params)


def test_the_centre_lists_its_orders_awaiting_a_reply(world, case):
    order = services.issue(
        case, by=world.operator, reason="instruction", required="三日内答复", days=2, level="township"
    )
    other = services.complain(new_case(world), text="没人管").order
    services.reply(other, by=world.committee, text="已处理")
    html = page(world.operator).content.decode()
    assert f'data-order="{order.pk}"' in html and f'data-order="{other.pk}"' not in html
    html = page(world.operator, state="", reason="complaint").content.decode()
    assert f'data-order="{other.pk}"' in html and f'data-order="{order.pk}"' not in html
    assert f'data-order="{order.pk}"' in page(world.county_operator).content.decode()


def test_others_see_none_and_anonymous_signs_in(world, case):
    order = services.issue(case, by=world.operator, reason="instruction", required="答复", days=2, level="township")
    for user in (world.operator_t2, world.outsider, world.committee):
        assert f'data-order="{order.pk}"' not in page(user).content.decode()
    response = Client().get("/supervision/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_home_page_links_to_the_list(world):
    client = Client()
    client.force_login(world.operator)
    assert 'href="/supervision/"' in client.get("/").content.decode()


def test_the_admin_lists_orders_read_only(world, case):
    order = services.issue(case, by=world.operator, reason="instruction", required="答复", days=2, level="township")
    services.complain(case, text="没人管")
    client = Client()
    client.force_login(world.admin)
    assert client.get("/admin/supervision/order/").status_code == 200
    assert client.get(f"/admin/supervision/order/{order.pk}/change/").status_code == 200
    assert client.get("/admin/supervision/complaint/").status_code == 200
    assert client.get("/admin/supervision/order/add/").status_code == 403
