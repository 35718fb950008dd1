"""Case photos go only to those who may see the case (defect 10: they were public under /media/).

GET /api/photos/<sha256>.jpg answers like the rest of the API: 401 without credentials, 404 for a
photo the user may not see (as for a case they may not see), the bytes of the shared copy for
anyone who sees a case naming it, and for its uploader.
"""

import hashlib
import io

import pytest
from django.urls import Resolver404, resolve
from PIL import Image
from rest_framework.test import APIClient

from disputes import intake
from disputes.models import Photo
from disputes.photos import store_photo
from tests.disputes.conftest import POINT_V1_C1, POINT_V3, report_data
from tests.factories import client_for


def _jpeg(colour=(200, 30, 30)):
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(buffer, format="JPEG")
    buffer.seek(0)
    buffer.name = "photo.jpg"
    return buffer


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.PHOTO_X_ACCEL_REDIRECT = ""
    return tmp_path


@pytest.fixture
def case_photo(world, media):
    """A photo of a case in V1's cell c1, reported and uploaded by the cell's gridworker."""
    image = _jpeg()
    digest = hashlib.sha256(image.getvalue()).hexdigest()
    photos = [{"sha256": digest, "purpose": "evidence"}]
    case = intake.submit_report(world.gridworker, report_data(world.neighbours, point=POINT_V1_C1, photos=photos)).case
    photo, _created = store_photo(world.gridworker, image)
    return case, photo


def url(photo):
    return f"/api/photos/{photo.sha256}.jpg"


def body(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


def assert_error(response, status, code):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == code


def test_anonymous_visitors_get_401(case_photo):
    _case, photo = case_photo
    assert_error(APIClient().get(url(photo)), 401, "not_authenticated")


@pytest.mark.parametrize("who", ["operator_t2", "gridworker_v3", "outsider"])
def test_users_who_may_not_see_the_case_get_404(world, case_photo, who):
    _case, photo = case_photo
    assert_error(client_for(getattr(world, who)).get(url(photo), HTTP_ACCEPT="image/*"), 404, "not_found")


@pytest.mark.parametrize("who", ["gridworker", "committee", "operator", "county_operator"])
def test_users_who_may_see_the_case_get_the_shared_copy(world, case_photo, who):
    case, photo = case_photo
    response = client_for(getattr(world, who)).get(url(photo), HTTP_ACCEPT="image/avif,image/webp,*/*")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert "private" in response["Cache-Control"]
    assert body(response) == photo.public.read()
    # The case's detail sends the browser to the same address.
    expected = client_for(getattr(world, who)).get(f"/api/cases/{case.pk}/").json()["photos"]["expected"]
    assert [row["url"] for row in expected] == [url(photo)]


def test_the_uploader_sees_a_photo_no_case_names_yet(world, media):
    photo, _created = store_photo(world.gridworker_v3, _jpeg((10, 200, 10)))
    assert client_for(world.gridworker_v3).get(url(photo)).status_code == 200
    assert_error(client_for(world.operator).get(url(photo)), 404, "not_found")


def test_a_photo_named_by_a_case_elsewhere_is_seen_there_and_not_here(world, media):
    image = _jpeg((10, 10, 200))
    digest = hashlib.sha256(image.getvalue()).hexdigest()
    photos = [{"sha256": digest, "purpose": "evidence"}]
    intake.submit_report(world.gridworker_v3, report_data(world.neighbours, point=POINT_V3, photos=photos))
    photo, _created = store_photo(world.gridworker_v3, image)
    assert client_for(world.operator_t2).get(url(photo)).status_code == 200
    assert_error(client_for(world.operator).get(url(photo)), 404, "not_found")
    assert_error(client_for(world.gridworker).get(url(photo)), 404, "not_found")


def test_an_unknown_photo_is_404(world, media):
    assert_error(client_for(world.county_operator).get(f"/api/photos/{'0' * 64}.jpg"), 404, "not_found")


def test_behind_nginx_the_answer_is_the_accel_redirect_header(world, case_photo, settings):
    _case, photo = case_photo
    settings.PHOTO_X_ACCEL_REDIRECT = "/protected-media/"
    response = client_for(world.committee).get(url(photo))
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/protected-media/{photo.public.name}"
    assert response["X-Accel-Redirect"] == f"/protected-media/photos/public/{photo.sha256}.jpg"
    assert response["Content-Type"] == "image/jpeg" and body(response) == b""
    # Still only for those who may see it.
    assert "X-Accel-Redirect" not in client_for(world.operator_t2).get(url(photo))


def test_the_media_folder_is_not_served_as_it_is(case_photo):
    _case, photo = case_photo
    for path in (f"/media/{photo.public.name}", f"/media/{photo.original.name}"):
        with pytest.raises(Resolver404):
            resolve(path)
    assert Photo.objects.count() == 1
