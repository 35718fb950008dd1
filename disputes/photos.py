"""Photos: stored once per content, checked to be real images, shared without metadata.

A photo is named by the SHA-256 of the exact bytes the device sent, so a report can list its
photos before they arrive (`ReportPhoto`) and a retried upload never stores a second copy.

Two files are kept per photo:

* the original, byte for byte as uploaded (it may hold the GPS position; only handlers see
  it), under ``photos/original/<sha256>.<ext>``;
* the shared copy, under ``photos/public/<sha256>.jpg``: EXIF orientation applied, RGB JPEG,
  at most ``PHOTO_PUBLIC_MAX_SIDE`` pixels on its longest side and with no metadata at all.

Concurrent uploads of the same bytes are decided by the unique constraint on
``Photo.sha256``: the row is inserted first, inside a transaction, and only the attempt that
holds it writes files; a loser gets the stored row back and has written nothing.

Settings (all optional): ``PHOTO_MAX_BYTES`` (10 MiB), ``PHOTO_MAX_PIXELS`` (40 megapixels),
``PHOTO_PUBLIC_MAX_SIDE`` (2048), ``PHOTO_PUBLIC_QUALITY`` (85).
"""

import hashlib
import io
import logging

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

from core.errors import InvalidInput

from .models import Case, Photo, Report, ReportPhoto

MiB = 1024 * 1024
DEFAULT_MAX_BYTES = 10 * MiB
DEFAULT_MAX_PIXELS = 40_000_000
DEFAULT_PUBLIC_MAX_SIDE = 2048
DEFAULT_PUBLIC_QUALITY = 85
CHUNK_SIZE = 64 * 1024

# Pillow format name -> (content type, file extension). Only these decoders are ever tried.
FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
}

FIELD = "photo"

logger = logging.getLogger(__name__)


def max_bytes():
    return int(getattr(settings, "PHOTO_MAX_BYTES", DEFAULT_MAX_BYTES))


def max_pixels():
    return int(getattr(settings, "PHOTO_MAX_PIXELS", DEFAULT_MAX_PIXELS))


def public_max_side():
    return int(getattr(settings, "PHOTO_PUBLIC_MAX_SIDE", DEFAULT_PUBLIC_MAX_SIDE))


def public_quality():
    return int(getattr(settings, "PHOTO_PUBLIC_QUALITY", DEFAULT_PUBLIC_QUALITY))


def store_photo(user, uploaded_file):
    """Store an uploaded image once per content; return ``(photo, created)``.

    ``uploaded_file`` is a Django ``UploadedFile`` or any binary file object. Raises
    `InvalidInput` (field ``photo``) for a file that is too big, is not a complete JPEG,
    PNG or WebP image, or has too many pixels; nothing is stored then.
    """
    data = _read_bounded(uploaded_file)
    digest = hashlib.sha256(data).hexdigest()

    # A shortcut for the common retry; the unique constraint below is what guarantees it.
    existing = _stored(digest)
    if existing is not None:
        return existing, False

    decoded = _decode(data)
    public_bytes = _public_copy(decoded.image)

    photo = Photo(
        sha256=digest,
        content_type=decoded.content_type,
        size=len(data),
        width=decoded.image.width,
        height=decoded.image.height,
        uploaded_by=user,
    )
    written = []
    try:
        try:
            with transaction.atomic():
                # The unique constraint on sha256 decides between concurrent uploads: a second
                # insert waits for the first transaction and fails once it commits.
                photo.save(force_insert=True)
                # Storage may pick another name if a file is left over at the usual one; the
                # row records whatever name was actually written.
                photo.original.save(f"{digest}.{decoded.extension}", ContentFile(data), save=False)
                written.append((photo.original.storage, photo.original.name))
                photo.public.save(f"{digest}.jpg", ContentFile(public_bytes), save=False)
                written.append((photo.public.storage, photo.public.name))
                photo.save(update_fields=["original", "public"])
        except BaseException:
            for storage, name in written:
                _delete_quietly(storage, name)
            raise
    except IntegrityError:
        stored = _stored(digest)
        if stored is None:
            raise
        return stored, False
    return photo, True


def missing_photos(report_or_case):
    """The SHA-256s a report (or every report of a case) expects but no stored photo has.

    In the order the reports were received, each SHA-256 once.
    """
    if isinstance(report_or_case, Case):
        expected = ReportPhoto.objects.filter(report__case=report_or_case)
    elif isinstance(report_or_case, Report):
        expected = ReportPhoto.objects.filter(report=report_or_case)
    else:
        raise TypeError(f"missing_photos() takes a Report or a Case, not {type(report_or_case).__name__}")
    wanted = list(dict.fromkeys(expected.order_by("report__received_at", "id").values_list("sha256", flat=True)))
    if not wanted:
        return []
    stored = set(Photo.objects.filter(sha256__in=wanted).values_list("sha256", flat=True))
    return [sha for sha in wanted if sha not in stored]


def _stored(digest):
    return Photo.objects.filter(sha256=digest).first()


# Reading -----------------------------------------------------------------------------------


def _too_big(limit):
    message = _("A photo may be at most %(limit)s MB.") % {"limit": f"{limit / MiB:.3g}"}
    return InvalidInput(message, fields={FIELD: [message]})


def _read_bounded(uploaded_file):
    """The file's bytes, reading at most one chunk past the limit."""
    limit = max_bytes()
    declared = getattr(uploaded_file, "size", None)
    if isinstance(declared, int) and declared > limit:
        raise _too_big(limit)
    if hasattr(uploaded_file, "chunks"):
        chunks = uploaded_file.chunks(chunk_size=CHUNK_SIZE)
    else:
        if getattr(uploaded_file, "seekable", lambda: False)():
            uploaded_file.seek(0)
        chunks = iter(lambda: uploaded_file.read(CHUNK_SIZE), b"")
    buffer = io.BytesIO()
    total = 0
    for chunk in chunks:
        total += len(chunk)
        if total > limit:
            raise _too_big(limit)
        buffer.write(chunk)
    return buffer.getvalue()


# Decoding ----------------------------------------------------------------------------------


class _Decoded:
    def __init__(self, image, content_type, extension):
        self.image = image  # fully loaded, EXIF orientation applied
        self.content_type = content_type
        self.extension = extension


def _not_an_image():
    message = _("The file is not a complete JPEG, PNG or WebP image.")
    return InvalidInput(message, fields={FIELD: [message]})


def _too_many_pixels(limit, size=None):
    params = {"limit": f"{limit / 1_000_000:.3g}"}
    if size is None:
        message = _("The image has too many pixels; at most %(limit)s megapixels are accepted.") % params
    else:
        params.update(width=size[0], height=size[1])
        message = (
            _("The image has too many pixels (%(width)s × %(height)s); at most %(limit)s megapixels are accepted.")
            % params
        )
    return InvalidInput(message, fields={FIELD: [message]})


def _decode(data):
    """Open, verify and fully decode the image; refuse anything else."""
    limit = max_pixels()
    formats = list(FORMATS)
    size = None
    try:
        # Pass 1: the header and a structural check (verify() leaves the image unusable).
        # Image.open reads only the header, so the pixel count is checked before any decoding.
        with Image.open(io.BytesIO(data), formats=formats) as probe:
            size = probe.size
            if size[0] * size[1] > limit:
                raise _too_many_pixels(limit, size)
            probe.verify()
        # Pass 2: decode every pixel; a truncated or corrupt file fails here. (No `with`:
        # closing would discard the decoded pixels, and a BytesIO needs no closing.)
        image = Image.open(io.BytesIO(data), formats=formats)
        if image.size != size or image.format not in FORMATS:
            raise _not_an_image()
        image.load()
        content_type, extension = FORMATS[image.format]
        oriented = ImageOps.exif_transpose(image)
    except InvalidInput:
        raise
    except Image.DecompressionBombError:
        # Pillow's own guard (Image.MAX_IMAGE_PIXELS), when it is stricter than ours.
        raise _too_many_pixels(limit, size) from None
    except Exception:
        # Pillow's decoders raise many kinds of error on malformed input (OSError,
        # SyntaxError, ValueError, EOFError, struct.error, …): all mean "not an image".
        raise _not_an_image() from None
    return _Decoded(oriented, content_type, extension)


def _public_copy(image):
    """JPEG bytes of the shared copy: RGB, bounded size, no metadata of any kind."""
    alpha = None
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        image = image.convert("RGBA")
        alpha = image.getchannel("A")
    elif image.mode != "RGB":
        image = image.convert("RGB")
    # A new image carries no info (EXIF, ICC, XMP, comments): Pillow copies none of it over.
    clean = Image.new("RGB", image.size, "white")
    clean.paste(image.convert("RGB") if alpha is not None else image, mask=alpha)
    side = public_max_side()
    clean.thumbnail((side, side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    clean.save(out, format="JPEG", quality=public_quality(), optimize=True)
    return out.getvalue()


def _delete_quietly(storage, name):
    try:
        storage.delete(name)
    except Exception:  # cleanup must not hide the error that caused it
        logger.warning("could not delete %s after a failed photo upload", name, exc_info=True)
