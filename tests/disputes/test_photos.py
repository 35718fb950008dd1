"""Photos: one stored copy per content, real images only, a shared copy without metadata."""

import hashlib
import io
import random
import struct
import threading
import zlib

import pytest
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import translation
from PIL import ExifTags, Image, ImageCms, ImageFile, features

from core.errors import InvalidInput
from disputes import photos
from disputes.intake import submit_report
from disputes.models import Photo
from disputes.photos import missing_photos, store_photo
from tests import factories as f
from tests.disputes.conftest import report_data

ORIENTATION = 0x0112
RED = (220, 20, 20)
BLUE = (20, 20, 220)


@pytest.fixture
def media(settings, tmp_path):
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    return root


@pytest.fixture
def uploader(db):
    return f.user("uploader")


def files_under(root):
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


def upload(data, name="photo.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def encode(image, fmt, **params):
    out = io.BytesIO()
    image.save(out, format=fmt, **params)
    return out.getvalue()


def red_left_blue_right(size=(120, 60)):
    image = Image.new("RGB", size, BLUE)
    image.paste(RED, (0, 0, size[0] // 2, size[1]))
    return image


def jpeg_with_gps_rotated():
    """A 120×60 JPEG (red left, blue right) to be shown turned 90° clockwise, with GPS and ICC."""
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    exif.get_ifd(ExifTags.IFD.GPSInfo).update({1: "N", 2: (41.0, 30.0, 0.0), 3: "E", 4: (114.0, 15.0, 0.0)})
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = encode(red_left_blue_right(), "JPEG", exif=exif, icc_profile=icc, quality=95)
    raw = Image.open(io.BytesIO(data))
    assert raw.getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the fixture really carries GPS
    return data


def noisy(size=(200, 150), seed=0):
    """Incompressible pixels, so a truncated file loses real image data."""
    return Image.frombytes("RGB", size, random.Random(seed).randbytes(size[0] * size[1] * 3))


def png_chunk(kind, body):
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_declaring(width, height):
    """A valid PNG header claiming width × height pixels (no real pixel data behind it)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1024)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")


def read_stored(name):
    with default_storage.open(name, "rb") as stored:
        return stored.read()


def close(a, b, tolerance=40):
    return all(abs(x - y) <= tolerance for x, y in zip(a, b, strict=True))


class TestStore:
    def test_a_jpeg_is_kept_as_uploaded_and_shared_turned_and_without_metadata(self, media, uploader):
        data = jpeg_with_gps_rotated()

        photo, created = store_photo(uploader, upload(data))

        assert created
        sha = photo.sha256
        assert sha == hashlib.sha256(data).hexdigest()
        assert photo.original.name == f"photos/original/{sha}.jpg"
        assert photo.public.name == f"photos/public/{sha}.jpg"
        assert files_under(media) == [f"photos/original/{sha}.jpg", f"photos/public/{sha}.jpg"]
        assert read_stored(photo.original.name) == data  # byte for byte, GPS and all
        assert (photo.content_type, photo.size, photo.uploaded_by) == ("image/jpeg", len(data), uploader)
        assert (photo.width, photo.height) == (60, 120)  # of the oriented image

        public = Image.open(io.BytesIO(read_stored(photo.public.name)))
        assert public.format == "JPEG" and public.mode == "RGB"
        assert not public.getexif()
        assert "exif" not in public.info and "icc_profile" not in public.info and "xmp" not in public.info
        # Raw pixels were 120 wide, 60 high: the shared copy stands upright, red (the left) on top.
        assert public.size == (60, 120)
        assert close(public.getpixel((30, 10)), RED)
        assert close(public.getpixel((30, 110)), BLUE)

        stored = Photo.objects.get()
        assert stored.pk == photo.pk and (stored.width, stored.height) == (60, 120)

    def test_the_same_bytes_again_return_the_stored_photo_and_store_nothing(self, media, uploader):
        data = jpeg_with_gps_rotated()
        first, created = store_photo(uploader, upload(data))
        assert created
        files = files_under(media)

        again, created = store_photo(f.user("someone_else"), upload(data, name="IMG_0001.JPG"))

        assert not created
        assert again.pk == first.pk and again.uploaded_by == uploader
        assert Photo.objects.count() == 1
        assert files_under(media) == files

    def test_when_the_insert_loses_the_race_the_stored_row_is_returned(self, media, uploader, monkeypatch):
        """The check before the insert is only a shortcut: the unique constraint decides."""
        data = encode(noisy(), "PNG")
        first, _ = store_photo(uploader, upload(data, "a.png", "image/png"))
        files = files_under(media)
        monkeypatch.setattr(photos, "_stored", _none_once(photos._stored))

        again, created = store_photo(uploader, upload(data, "a.png", "image/png"))

        assert not created and again.pk == first.pk
        assert Photo.objects.count() == 1
        assert files_under(media) == files

    def test_a_failed_write_leaves_no_row_and_no_file(self, media, uploader, monkeypatch):
        real_save = FileSystemStorage._save

        def failing_save(self, name, content):
            if name.startswith("photos/public/"):
                raise OSError("disk full")
            return real_save(self, name, content)

        monkeypatch.setattr(FileSystemStorage, "_save", failing_save)
        with pytest.raises(OSError, match="disk full"):
            store_photo(uploader, upload(jpeg_with_gps_rotated()))

        assert not Photo.objects.exists()
        assert files_under(media) == []

    def test_png_with_transparency_is_accepted(self, media, uploader):
        image = Image.new("RGBA", (80, 40), (0, 0, 0, 0))
        image.paste((*RED, 255), (0, 0, 40, 40))
        data = encode(image, "PNG")

        photo, created = store_photo(uploader, upload(data, "drawing.png", "image/png"))

        assert created
        assert (photo.content_type, photo.width, photo.height) == ("image/png", 80, 40)
        assert photo.original.name == f"photos/original/{photo.sha256}.png"
        assert read_stored(photo.original.name) == data
        public = Image.open(io.BytesIO(read_stored(photo.public.name)))
        assert (public.format, public.mode, public.size) == ("JPEG", "RGB", (80, 40))
        assert close(public.getpixel((70, 20)), (255, 255, 255))  # transparency on white, not black

    @pytest.mark.skipif(not features.check("webp"), reason="this Pillow has no WebP support")
    def test_webp_is_accepted(self, media, uploader):
        data = encode(red_left_blue_right(), "WEBP", quality=90)

        photo, created = store_photo(uploader, upload(data, "photo.webp", "image/webp"))

        assert created
        assert (photo.content_type, photo.width, photo.height) == ("image/webp", 120, 60)
        assert photo.original.name == f"photos/original/{photo.sha256}.webp"
        assert files_under(media) == sorted([photo.original.name, photo.public.name])
        assert Image.open(io.BytesIO(read_stored(photo.public.name))).format == "JPEG"

    def test_the_shared_copy_is_scaled_down_to_the_longest_side(self, media, uploader, settings):
        settings.PHOTO_PUBLIC_MAX_SIDE = 100
        photo, _ = store_photo(uploader, upload(encode(noisy((300, 200)), "JPEG")))

        assert (photo.width, photo.height) == (300, 200)  # the photo's own size
        public = Image.open(io.BytesIO(read_stored(photo.public.name)))
        assert max(public.size) == 100
        assert public.size[0] > public.size[1]

    def test_a_small_image_is_not_enlarged(self, media, uploader):
        photo, _ = store_photo(uploader, upload(encode(noisy((30, 20)), "PNG"), "small.png"))
        assert Image.open(io.BytesIO(read_stored(photo.public.name))).size == (30, 20)


def _none_once(real):
    calls = []

    def stored(digest):
        calls.append(digest)
        return None if len(calls) == 1 else real(digest)

    return stored


class Endless(io.RawIOBase):
    """A stream that never ends and counts what was read from it."""

    def __init__(self):
        self.read_bytes = 0

    def readable(self):
        return True

    def readinto(self, buffer):
        buffer[:] = b"\xff" * len(buffer)
        self.read_bytes += len(buffer)
        return len(buffer)


class TestRefuse:
    def refused(self, media, uploader, data, name="photo.jpg"):
        with translation.override("en"), pytest.raises(InvalidInput) as error:
            store_photo(uploader, upload(data, name))
        assert not Photo.objects.exists()
        assert files_under(media) == []
        assert set(error.value.fields) == {"photo"}
        assert error.value.fields["photo"] == [error.value.message]
        return error.value.message

    def test_a_text_file_named_jpg(self, media, uploader):
        message = self.refused(media, uploader, b"Not a photo at all, just some text.\n" * 20, "photo.jpg")
        assert message == "The file is not a complete JPEG, PNG or WebP image."

    def test_an_empty_file(self, media, uploader):
        assert "not a complete" in self.refused(media, uploader, b"")

    def test_a_truncated_jpeg(self, media, uploader):
        assert ImageFile.LOAD_TRUNCATED_IMAGES is False
        data = encode(noisy(), "JPEG", quality=90)
        assert "not a complete" in self.refused(media, uploader, data[: len(data) // 2])

    def test_a_png_header_followed_by_garbage(self, media, uploader):
        good = encode(noisy(), "PNG")
        garbage = random.Random(1).randbytes(len(good) - 33)
        assert "not a complete" in self.refused(media, uploader, good[:33] + garbage, "photo.png")

    def test_a_png_with_a_broken_pixel_stream(self, media, uploader):
        assert "not a complete" in self.refused(media, uploader, png_declaring(64, 64), "photo.png")

    def test_a_gif(self, media, uploader):
        data = encode(red_left_blue_right(), "GIF")
        assert "not a complete" in self.refused(media, uploader, data, "photo.gif")

    def test_a_file_over_the_byte_limit(self, media, uploader, settings):
        settings.PHOTO_MAX_BYTES = 512 * 1024
        data = encode(noisy((500, 500)), "PNG")
        assert len(data) > 512 * 1024
        assert self.refused(media, uploader, data) == "A photo may be at most 0.5 MB."

    def test_the_default_byte_limit_is_ten_mb(self, media, uploader):
        data = b"\xff\xd8" + b"\x00" * (10 * 1024 * 1024)
        assert self.refused(media, uploader, data) == "A photo may be at most 10 MB."

    def test_an_endless_stream_is_not_read_past_the_limit(self, media, uploader, settings):
        settings.PHOTO_MAX_BYTES = 100_000
        stream = Endless()
        with pytest.raises(InvalidInput):
            store_photo(uploader, stream)
        assert stream.read_bytes <= 100_000 + photos.CHUNK_SIZE
        assert not Photo.objects.exists() and files_under(media) == []

    def test_a_png_declaring_huge_dimensions(self, media, uploader):
        message = self.refused(media, uploader, png_declaring(50_000, 50_000), "bomb.png")
        assert message.startswith("The image has too many pixels")
        assert "40 megapixels" in message

    def test_an_image_over_the_pixel_limit(self, media, uploader, settings):
        settings.PHOTO_MAX_PIXELS = 10_000
        data = encode(Image.new("L", (200, 100)), "PNG")  # tiny file, 20,000 pixels
        message = self.refused(media, uploader, data, "photo.png")
        assert message == "The image has too many pixels (200 × 100); at most 0.01 megapixels are accepted."


@pytest.mark.postgis
def test_simultaneous_uploads_of_the_same_bytes_store_one_photo(transactional_db, settings, tmp_path, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers, so there is no race to test")
    settings.MEDIA_ROOT = tmp_path
    user = f.user("uploader")
    data = jpeg_with_gps_rotated()
    threads_count = 4

    # Every thread gets past the "already stored?" shortcut before any of them inserts,
    # so the unique constraint alone has to decide.
    gate = threading.Barrier(threads_count)
    real_decode = photos._decode

    def decode_together(raw):
        gate.wait(timeout=20)
        return real_decode(raw)

    monkeypatch.setattr(photos, "_decode", decode_together)
    results, errors = [], []

    def run():
        try:
            results.append(store_photo(user, upload(data)))
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert len(results) == threads_count
    assert len({photo.pk for photo, _ in results}) == 1
    assert sorted(created for _, created in results) == [False, False, False, True]
    assert Photo.objects.count() == 1
    photo = Photo.objects.get()
    assert files_under(tmp_path) == sorted([photo.original.name, photo.public.name])
    assert photo.original.name == f"photos/original/{photo.sha256}.jpg"


class TestMissing:
    def test_a_report_lists_the_photos_that_have_not_arrived(self, world, media):
        first = encode(noisy(seed=1), "JPEG")
        second = encode(noisy(seed=2), "JPEG")
        sha_first = hashlib.sha256(first).hexdigest()
        sha_second = hashlib.sha256(second).hexdigest()
        data = report_data(world.neighbours, photos=[{"sha256": sha_first}, {"sha256": sha_second}])
        result = submit_report(world.gridworker, data)

        assert missing_photos(result.report) == [sha_first, sha_second]

        store_photo(world.gridworker, upload(first))
        assert missing_photos(result.report) == [sha_second]
        assert missing_photos(result.case) == [sha_second]

        store_photo(world.gridworker, upload(second))
        assert missing_photos(result.report) == []
        assert missing_photos(result.case) == []

    def test_a_case_looks_across_its_reports(self, world, media):
        shas = [f"{n:064x}" for n in (1, 2, 3)]
        one = submit_report(world.gridworker, report_data(world.neighbours, photos=[{"sha256": shas[0]}]))
        two = submit_report(world.gridworker, report_data(world.neighbours, photos=[{"sha256": shas[1]}]))
        other = submit_report(world.gridworker, report_data(world.neighbours, photos=[{"sha256": shas[2]}]))
        two.report.case = one.case
        two.report.save(update_fields=["case"])

        assert missing_photos(one.case) == shas[:2]
        assert missing_photos(other.case) == shas[2:]

    def test_a_report_without_photos_misses_nothing(self, world):
        result = submit_report(world.gridworker, report_data(world.neighbours))
        assert missing_photos(result.report) == []

    def test_anything_else_is_a_type_error(self, db):
        with pytest.raises(TypeError):
            missing_photos(None)
