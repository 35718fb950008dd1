"""The tus protocol's refusals, in the project's one error shape (core/errors.py)."""

from django.utils.translation import gettext_lazy as _

from core.errors import WorkflowError


class UnsupportedVersion(WorkflowError):
    code = "tus_version"
    status = 412
    default_message = _("This server speaks version 1.0.0 of the resumable upload protocol (Tus-Resumable).")


class OffsetConflict(WorkflowError):
    code = "offset_conflict"
    status = 409
    default_message = _(
        "The upload has %(current)s bytes, not %(given)s: ask how far it got (HEAD) and go on from there."
    )


class ChecksumMismatch(WorkflowError):
    code = "checksum_mismatch"
    status = 460
    default_message = _("The bytes received do not match the SHA-256 the upload announced: nothing was stored.")


class TooLarge(WorkflowError):
    code = "too_large"
    status = 413
    default_message = _("A photo may be at most %(limit)s MB.")


class WrongContentType(WorkflowError):
    code = "unsupported_media_type"
    status = 415
    default_message = _("Upload bytes are sent as application/offset+octet-stream.")


class Expired(WorkflowError):
    code = "gone"
    status = 410
    default_message = _("This upload has expired: start it again.")
