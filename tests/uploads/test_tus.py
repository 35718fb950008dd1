"""Resumable photo uploads (tus 1.0.0): creation, offset, resume, refusals, limits, expiry.

Each test speaks the protocol through the API as a phone does (its token in the header), and
checks what the server keeps: the photo store's files, the partial bytes, the rows.
"""

import base64
import datetime
import hashlib
import io
import os
import random

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIClient

from accounts import tokens
from disputes.models import Photo
from disputes.sweeper import further_steps
from tests import factories as f
from uploads import services
from uploads.errors import OffsetConflict
from uploads.models import Upload
from uploads.tasks import remove_expired_uploads

TUS = {"HTTP_TUS_RESUMABLE": "1.0.0"}
STREAM = "application/offset+octet-stream"


@pytest.fixture
def media(settings, tmp_path):
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    return root


@pytest.fixture
def sender(db):
    return f.user("gridworker-tus")


@pytest.fixture
def phone(sender):
    return phone_of(sender)


def phone_of(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {tokens.issue(user).key}")
    return client


def jpeg(size=(300, 200), seed=1):
    """A real JPEG of incompressible pixels (tens of kilobytes)."""
    image = Image.frombytes("RGB", size, random.Random(seed).randbytes(size[0] * size[1] * 3))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=95)
    return out.getvalue()


def metadata(sha256, filetype="image/jpeg"):
    encode = lambda value: base64.b64encode(value.encode()).decode()  # noqa: E731
    return f"sha256 {encode(sha256)},filetype {encode(filetype)}"


def create(client, photo, *, sha256=None, filetype="image/jpeg", length=None, first=None):
    """The creation request; `first` is a first chunk sent with it (creation-with-upload)."""
    body = {} if first is None else {"data": first, "content_type": STREAM}
    return client.post(
        "/api/uploads/",
        HTTP_UPLOAD_LENGTH=str(len(photo) if length is None else length),
        HTTP_UPLOAD_METADATA=metadata(sha256 or hashlib.sha256(photo).hexdigest(), filetype),
        **TUS,
        **body,
    )


def patch(client, location, offset, chunk, content_type=STREAM, **extra):
    return client.generic(
        "PATCH", location, chunk, content_type=content_type, HTTP_UPLOAD_OFFSET=str(offset), **TUS, **extra
    )


def head(client, location):
    return client.head(location, **TUS)


def files_under(root):
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


def assert_error(response, status, code):
    assert response.status_code == status, response.content
    assert response["Tus-Resumable"] == "1.0.0"
    assert response.json()["code"] == code
    assert response.json()["message"]


def test_options_names_the_version_the_extensions_and_the_photo_limit(client, settings, db):
    response = client.options("/api/uploads/")
    assert response.status_code == 204
    assert response["Tus-Version"] == "1.0.0"
    assert {"creation", "creation-with-upload", "expiration"} <= set(response["Tus-Extension"].split(","))
    assert response["Tus-Max-Size"] == str(settings.PHOTO_MAX_BYTES)


def test_a_photo_sent_in_chunks_is_stored_once_under_its_sha256(phone, media, sender):
    data = jpeg()
    digest = hashlib.sha256(data).hexdigest()
    created = create(phone, data)
    assert created.status_code == 201, created.content
    location = created["Location"]
    assert created["Upload-Offset"] == "0"
    assert created["Upload-Expires"].endswith("GMT")

    answer = head(phone, location)
    assert answer.status_code == 200
    assert (answer["Upload-Offset"], answer["Upload-Length"]) == ("0", str(len(data)))
    assert answer["Cache-Control"] == "no-store"

    middle = len(data) // 2
    first = patch(phone, location, 0, data[:middle])
    assert first.status_code == 204, first.content
    assert first["Upload-Offset"] == str(middle)
    assert head(phone, location)["Upload-Offset"] == str(middle)
    assert not Photo.objects.exists()
    assert files_under(media) == [f"uploads/partial/{location.rstrip('/').rsplit('/', 1)[1]}.part"]

    last = patch(phone, location, middle, data[middle:])
    assert last.status_code == 204, last.content
    assert last["Upload-Offset"] == str(len(data))
    photo = Photo.objects.get()
    assert (photo.sha256, photo.size, photo.uploaded_by) == (digest, len(data), sender)
    assert photo.original.read() == data
    # The partial bytes are gone; the store holds the original and the shared copy, once.
    assert files_under(media) == [f"photos/original/{digest}.jpg", f"photos/public/{digest}.jpg"]
    # Asking again after the end (an app restarted after the last chunk) says it is complete.
    assert head(phone, location)["Upload-Offset"] == str(len(data))
    # And the last chunk repeated changes nothing.
    assert patch(phone, location, len(data), b"").status_code == 204
    assert Photo.objects.count() == 1


def test_creation_with_upload_carries_the_first_chunk(phone, media):
    data = jpeg()
    created = create(phone, data, first=data[:1000])
    assert created.status_code == 201, created.content
    assert created["Upload-Offset"] == "1000"
    done = patch(phone, created["Location"], 1000, data[1000:])
    assert done.status_code == 204
    assert Photo.objects.filter(sha256=hashlib.sha256(data).hexdigest()).exists()


def test_a_photo_stored_already_is_complete_at_creation(phone, media, sender):
    data = jpeg()
    # Stored through the single-request endpoint, which other clients still use.
    old = phone.post("/api/photos/", {"file": SimpleUploadedFile("a.jpg", data, content_type="image/jpeg")})
    assert old.status_code == 201, old.content
    before = files_under(media)
    created = create(phone, data, first=data[:1000])
    assert created.status_code == 201
    assert created["Upload-Offset"] == str(len(data))
    assert head(phone, created["Location"])["Upload-Offset"] == str(len(data))
    assert Photo.objects.count() == 1
    assert files_under(media) == before


def test_a_wrong_offset_is_409_and_changes_nothing(phone, media):
    data = jpeg()
    location = create(phone, data)["Location"]
    assert patch(phone, location, 0, data[:500]).status_code == 204
    # A retry of a chunk that did arrive (the answer was lost), and a chunk from the future.
    for offset in (0, 800):
        refused = patch(phone, location, offset, data[offset : offset + 500])
        assert_error(refused, 409, "offset_conflict")
        assert "500" in refused.json()["message"]
    assert head(phone, location)["Upload-Offset"] == "500"
    assert os.path.getsize(media / "uploads" / "partial" / f"{Upload.objects.get().pk}.part") == 500
    # Resumed where the server says it stopped.
    assert patch(phone, location, 500, data[500:]).status_code == 204
    assert Photo.objects.count() == 1


def test_a_checksum_mismatch_is_refused_and_nothing_is_stored(phone, media):
    data = jpeg()
    other = hashlib.sha256(b"another photo").hexdigest()
    location = create(phone, data, sha256=other)["Location"]
    assert patch(phone, location, 0, data[:100]).status_code == 204
    refused = patch(phone, location, 100, data[100:])
    assert_error(refused, 460, "checksum_mismatch")
    assert not Photo.objects.exists()
    assert not Upload.objects.exists()
    assert files_under(media) == []
    assert head(phone, location).status_code == 404


def test_bytes_that_are_no_image_are_refused_at_the_end_and_nothing_is_stored(phone, media):
    data = b"%PDF-1.4 not a photo at all" * 50
    location = create(phone, data)["Location"]
    refused = patch(phone, location, 0, data)
    assert_error(refused, 400, "invalid")
    assert "photo" in refused.json()["fields"]
    assert not Photo.objects.exists()
    assert not Upload.objects.exists()
    assert files_under(media) == []


def test_a_body_past_the_length_is_refused_and_changes_nothing(phone, media):
    data = jpeg()
    location = create(phone, data)["Location"]
    refused = patch(phone, location, 0, data + b"extra")
    assert_error(refused, 400, "invalid")
    assert head(phone, location)["Upload-Offset"] == "0"
    assert not Photo.objects.exists()


def test_the_photo_limits_apply_at_creation(phone, media, settings):
    settings.PHOTO_MAX_BYTES = 1000
    data = jpeg()
    assert_error(create(phone, data), 413, "too_large")
    assert_error(create(phone, data[:900], filetype="text/plain"), 400, "invalid")
    bad_sha = create(phone, data[:900], sha256="not-a-sha")
    assert_error(bad_sha, 400, "invalid")
    assert "Upload-Metadata" in bad_sha.json()["fields"]
    assert_error(create(phone, b"", length=0), 400, "invalid")
    not_base64 = phone.post("/api/uploads/", HTTP_UPLOAD_LENGTH="10", HTTP_UPLOAD_METADATA="sha256 ***", **TUS)
    assert_error(not_base64, 400, "invalid")
    no_length = phone.post("/api/uploads/", HTTP_UPLOAD_METADATA=metadata("a" * 64), **TUS)
    assert_error(no_length, 400, "invalid")
    assert not Upload.objects.exists()


def test_the_protocol_version_and_the_content_type_are_checked(phone, media):
    data = jpeg()
    no_version = phone.post("/api/uploads/", HTTP_UPLOAD_LENGTH=str(len(data)), HTTP_UPLOAD_METADATA=metadata("a" * 64))
    assert_error(no_version, 412, "tus_version")
    assert no_version["Tus-Version"] == "1.0.0"
    location = create(phone, data)["Location"]
    assert_error(patch(phone, location, 0, data[:10], content_type="application/json"), 415, "unsupported_media_type")
    assert_error(
        phone.generic("PATCH", location, data[:10], content_type=STREAM, HTTP_UPLOAD_OFFSET="0"), 412, "tus_version"
    )
    assert_error(patch(phone, location, "-1", data[:10]), 400, "invalid")
    assert head(phone, location)["Upload-Offset"] == "0"


def test_only_the_sender_may_see_or_continue_an_upload(phone, media, db):
    data = jpeg()
    location = create(phone, data)["Location"]
    anonymous = APIClient()
    assert_error(create(anonymous, data), 401, "not_authenticated")
    assert_error(patch(anonymous, location, 0, data[:10]), 401, "not_authenticated")
    stranger = phone_of(f.user("someone-else"))
    assert head(stranger, location).status_code == 404
    assert_error(patch(stranger, location, 0, data[:10]), 404, "not_found")
    assert head(phone, location)["Upload-Offset"] == "0"


def test_a_chunk_cut_by_a_dropped_connection_keeps_what_arrived(sender, media):
    data = jpeg()
    upload = services.create_upload(
        sender, length=len(data), metadata={"sha256": hashlib.sha256(data).hexdigest(), "filetype": "image/jpeg"}
    )

    class Cut(io.BytesIO):
        def read(self, size=-1):
            if self.tell() >= 3000:
                raise OSError("connection reset by peer")
            return super().read(min(size, 1000))

    services.append(sender, upload.pk, offset=0, stream=Cut(data), content_length=len(data))
    upload.refresh_from_db()
    assert upload.offset == 3000
    services.append(sender, upload.pk, offset=3000, stream=io.BytesIO(data[3000:]))
    assert Photo.objects.get().original.read() == data


def test_an_upload_whose_last_byte_came_before_a_crash_is_finished_when_asked(phone, sender, media):
    data = jpeg()
    location = create(phone, data)["Location"]
    upload = Upload.objects.get()
    # The bytes and the offset were committed; the process died before the photo was stored.
    (media / "uploads" / "partial").mkdir(parents=True, exist_ok=True)
    services.partial_path(upload).write_bytes(data)
    Upload.objects.filter(pk=upload.pk).update(offset=len(data))
    assert head(phone, location)["Upload-Offset"] == str(len(data))
    assert Photo.objects.filter(sha256=upload.sha256).exists()


def test_expired_uploads_are_gone_and_the_job_runner_removes_them(phone, sender, media):
    data = jpeg()
    stale = create(phone, data)["Location"]
    assert patch(phone, stale, 0, data[:100]).status_code == 204
    fresh = create(phone, data)["Location"]
    assert patch(phone, fresh, 0, data[:100]).status_code == 204
    stale_pk = stale.rstrip("/").rsplit("/", 1)[1]
    Upload.objects.filter(pk=stale_pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert_error(patch(phone, stale, 100, data[100:]), 410, "gone")
    # A chunk file a crash left behind, older than the expiry.
    leftover = media / "uploads" / "partial" / "0c0ffee0-0000-0000-0000-000000000000.abc.chunk"
    leftover.write_bytes(b"x")
    old = (timezone.now() - datetime.timedelta(days=30)).timestamp()
    os.utime(leftover, (old, old))

    assert remove_expired_uploads.call() == 1
    assert not Upload.objects.filter(pk=stale_pk).exists()
    remaining = Upload.objects.get()
    assert files_under(media) == [f"uploads/partial/{remaining.pk}.part"]
    assert head(phone, stale).status_code == 404
    assert head(phone, fresh)["Upload-Offset"] == "100"


def test_an_expired_upload_started_again_succeeds(phone, media):
    data = jpeg()
    location = create(phone, data)["Location"]
    Upload.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert head(phone, location).status_code == 410
    again = create(phone, data)["Location"]
    assert patch(phone, again, 0, data).status_code == 204
    assert Photo.objects.count() == 1


def test_refusals_are_in_chinese_by_default_and_in_english_when_asked(phone, media):
    data = jpeg()
    location = create(phone, data)["Location"]
    chinese = patch(phone, location, 9, data[9:])
    assert "请先查询进度" in chinese.json()["message"]
    english = patch(phone, location, 9, data[9:], HTTP_ACCEPT_LANGUAGE="en")
    assert "ask how far it got" in english.json()["message"]


def test_of_two_tries_racing_at_one_offset_only_the_first_is_kept(sender, media):
    data = jpeg()
    upload = services.create_upload(
        sender, length=len(data), metadata={"sha256": hashlib.sha256(data).hexdigest(), "filetype": "image/jpeg"}
    )
    # Both tries read offset 0; the first moves it before the second commits its chunk.
    stale = Upload.objects.get(pk=upload.pk)
    services.append(sender, upload.pk, offset=0, stream=io.BytesIO(data[:700]))
    with io.BytesIO(b"x" * 300) as chunk, pytest.raises(OffsetConflict):
        services._commit_chunk(stale, 0, chunk, 300)
    upload.refresh_from_db()
    assert upload.offset == 700
    assert services.partial_path(upload).read_bytes() == data[:700]


def test_the_periodic_sweep_removes_expired_uploads(phone, sender, media):
    """run_deadlines' pass runs the uploads' step (settings.DEADLINE_SWEEP_STEPS) beside the others."""
    data = jpeg()
    stale = create(phone, data)["Location"]
    assert patch(phone, stale, 0, data[:100]).status_code == 204
    Upload.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    counts = further_steps()
    assert counts["uploads_removed"] == 1 and counts["sms_requeued"] == 0 and "orders_opened" in counts
    assert not Upload.objects.exists() and files_under(media) == []
