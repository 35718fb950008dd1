"""The verbs of a resumable photo upload (the tus protocol, v1.0.0): create, append, finish, expire.

A phone on a weak signal sends a photo in chunks; when the connection drops it asks how far the
upload got and goes on from there, even after the app was closed. The bytes grow in a file under
MEDIA_ROOT (`partial_path`), never in a row. When the last byte arrives they are checked against
the SHA-256 announced at creation and handed to the photo store (disputes.photos.store_photo),
which keeps one file per content: an upload of a photo already stored is complete from the start.

Appending is safe with retries and with two tries racing: each chunk is first read off the
network into a file of its own (no lock is held while a slow phone sends), then moved onto the
upload with a conditional UPDATE of `offset` in a short transaction; whoever finds the offset
moved gets a 409 and asks again. A chunk cut short by a dropped connection keeps what arrived.

Settings: PHOTO_MAX_BYTES (the photo API's limit, applied at creation), UPLOAD_EXPIRY_HOURS (72:
how long an upload may rest between two chunks before `remove_expired` deletes it).
"""

import datetime
import hashlib
import logging
import os
import re
import shutil
import tempfile
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import InvalidInput, NotFound
from disputes import photos
from disputes.models import Photo

from .errors import ChecksumMismatch, Expired, OffsetConflict, TooLarge
from .models import Upload

CHUNK = 64 * 1024
SHA256 = re.compile(r"^[0-9a-f]{64}$")
# The photo API's types (disputes/photos.py), the only ones the photo store decodes.
CONTENT_TYPES = sorted(content_type for content_type, _extension in photos.FORMATS.values())
DEFAULT_EXPIRY_HOURS = 72

logger = logging.getLogger(__name__)


def expiry():
    return datetime.timedelta(hours=int(getattr(settings, "UPLOAD_EXPIRY_HOURS", DEFAULT_EXPIRY_HOURS)))


def partial_dir():
    return Path(settings.MEDIA_ROOT) / "uploads" / "partial"


def partial_path(upload):
    return partial_dir() / f"{upload.pk}.part"


# Creating ----------------------------------------------------------------------------------


def create_upload(user, *, length, metadata):
    """Announce a photo of `length` bytes; `metadata` names its `sha256` and its `filetype`.

    The photo API's limits apply here, before a byte is sent: a photo too big is refused (413),
    a type the store cannot decode or a malformed SHA-256 is invalid (400). A photo whose bytes
    are stored already makes an upload that is complete from the start.
    """
    limit = photos.max_bytes()
    if length > limit:
        raise TooLarge(limit=f"{limit / photos.MiB:.3g}", fields={"Upload-Length": [_("Too large.")]})
    if length < 1:
        raise InvalidInput(fields={"Upload-Length": [_("An upload has at least one byte.")]})
    digest = (metadata.get("sha256") or "").strip().lower()
    content_type = (metadata.get("filetype") or "").strip().lower()
    errors = {}
    if not SHA256.match(digest):
        errors["sha256"] = [_("Give the photo's SHA-256 as 64 hexadecimal digits.")]
    if content_type not in CONTENT_TYPES:
        errors["filetype"] = [_("Only JPEG, PNG and WebP photos are accepted.")]
    if errors:
        raise InvalidInput(fields={"Upload-Metadata": [message for value in errors.values() for message in value]})

    now = timezone.now()
    stored = Photo.objects.filter(sha256=digest).exists()
    with transaction.atomic():
        upload = Upload.objects.create(
            owner=user,
            sha256=digest,
            content_type=content_type,
            length=length,
            offset=length if stored else 0,
            completed_at=now if stored else None,
            expires_at=now + expiry(),
        )
    return upload


# Finding -----------------------------------------------------------------------------------


def find_upload(user, upload_id):
    """The user's upload, finished if its last byte came in before a crash; 404 or 410 otherwise."""
    upload = Upload.objects.visible_to(user).filter(pk=upload_id).first()
    if upload is None:
        raise NotFound()
    if upload.expires_at <= timezone.now():
        raise Expired()
    if upload.offset == upload.length and not upload.complete:
        finish(upload)
    return upload


# Appending ---------------------------------------------------------------------------------


def append(user, upload_id, *, offset, stream, content_length=None):
    """Add the bytes of `stream` at `offset` (which must be how far the upload got); return the upload.

    When the last byte arrives the upload is finished (see `finish`) and may be refused then.
    """
    upload = find_upload(user, upload_id)
    if offset != upload.offset:
        raise OffsetConflict(current=upload.offset, given=offset)
    remaining = upload.length - upload.offset
    if remaining == 0:
        return upload  # complete already (stored before, or a repeated last chunk): nothing to add
    if content_length is not None and content_length > remaining:
        raise InvalidInput(
            _("The body goes past the upload's length (%(remaining)s bytes remain).") % {"remaining": remaining},
            fields={"Content-Length": [_("Too long.")]},
        )

    directory = partial_dir()
    directory.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=directory, prefix=f"{upload.pk}.", suffix=".chunk") as chunk:
        received = _receive(stream, chunk, remaining)
        if received:
            _commit_chunk(upload, offset, chunk, received)
    upload.offset = offset + received
    if upload.offset == upload.length:
        finish(upload)
    return upload


def _receive(stream, chunk, remaining):
    """Copy the body into `chunk`; a connection that drops keeps what arrived."""
    received = 0
    while True:
        try:
            data = stream.read(min(CHUNK, remaining - received + 1))
        except Exception:  # the phone went away mid-body: what arrived is still good
            logger.info("upload body cut after %s bytes", received)
            break
        if not data:
            break
        received += len(data)
        if received > remaining:
            raise InvalidInput(
                _("The body goes past the upload's length (%(remaining)s bytes remain).") % {"remaining": remaining},
                fields={"Content-Length": [_("Too long.")]},
            )
        chunk.write(data)
    chunk.flush()
    return received


def _commit_chunk(upload, offset, chunk, received):
    with transaction.atomic():
        moved = Upload.objects.filter(pk=upload.pk, offset=offset, completed_at=None).update(
            offset=offset + received, expires_at=timezone.now() + expiry()
        )
        if not moved:
            current = Upload.objects.filter(pk=upload.pk).values_list("offset", flat=True).first()
            if current is None:
                raise NotFound()
            raise OffsetConflict(current=current, given=offset)
        # Under the row's lock: cut whatever a crashed try left past `offset`, then add the chunk.
        path = partial_path(upload)
        with open(path, "r+b" if path.exists() else "w+b") as target:
            target.seek(offset)
            target.truncate()
            chunk.seek(0)
            shutil.copyfileobj(chunk, target, CHUNK)
            target.flush()
            os.fsync(target.fileno())


# Finishing ---------------------------------------------------------------------------------


def finish(upload):
    """Check the whole file against its SHA-256 and store it as a photo; then it is complete.

    A mismatch (460) or a file the photo store refuses (400: not an image, too many pixels)
    deletes the upload and its bytes: nothing is stored, and the phone must start again.
    """
    path = partial_path(upload)
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as source:
            for block in iter(lambda: source.read(CHUNK), b""):
                digest.update(block)
    except FileNotFoundError:
        pass
    if digest.hexdigest() != upload.sha256:
        discard(upload)
        raise ChecksumMismatch()
    try:
        with open(path, "rb") as source:
            photos.store_photo(upload.owner, source)
    except InvalidInput:
        discard(upload)
        raise
    now = timezone.now()
    with transaction.atomic():
        Upload.objects.filter(pk=upload.pk, completed_at=None).update(completed_at=now)
    upload.completed_at = upload.completed_at or now
    _unlink(path)
    return upload


def discard(upload):
    """Delete an upload and its bytes."""
    with transaction.atomic():
        Upload.objects.filter(pk=upload.pk).delete()
    _unlink(partial_path(upload))


# Expiring ----------------------------------------------------------------------------------


def remove_expired(now=None):
    """Delete uploads that rested past their expiry, and their bytes; also bytes no upload owns.

    Safe with several copies running: each row is deleted by one conditional DELETE, and only
    the copy whose DELETE removed it unlinks the file. Returns how many uploads were removed.
    """
    now = now or timezone.now()
    removed = 0
    for pk in Upload.objects.filter(expires_at__lte=now).values_list("pk", flat=True).iterator():
        with transaction.atomic():
            deleted, _rows = Upload.objects.filter(pk=pk, expires_at__lte=now).delete()
        if deleted:
            _unlink(partial_dir() / f"{pk}.part")
            removed += 1
    # Bytes left by a crash (a chunk file, or a part whose row is gone), once older than the expiry.
    directory = partial_dir()
    if directory.is_dir():
        cutoff = (now - expiry()).timestamp()
        known = {str(pk) for pk in Upload.objects.values_list("pk", flat=True)}
        for path in directory.iterdir():
            if path.name.split(".", 1)[0] not in known and path.stat().st_mtime < cutoff:
                _unlink(path)
    return removed


def _unlink(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    except OSError:  # cleaning up must not hide what happened; the expiry sweep tries again
        logger.warning("could not delete %s", path, exc_info=True)


def sweep(now=None, batch=200):
    """The uploads' step of the periodic sweep (settings.DEADLINE_SWEEP_STEPS, run by
    `manage.py run_deadlines`): expired partial uploads and their bytes go."""
    return {"uploads_removed": remove_expired(now)}
