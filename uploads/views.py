"""The tus endpoints (v1.0.0: core, creation, creation-with-upload, expiration): thin views that
read the protocol's headers and call the verbs in services.py.

Authenticated as the photo API is (the phone's token first, else the session). Every answer
carries `Tus-Resumable`; every refusal has the project's error shape. The protocol is its own
documentation (https://tus.io/protocols/resumable-upload), so these views stay out of the
OpenAPI schema, whose client generators do not speak HEAD-and-PATCH byte streams.
"""

import base64
import binascii

from django.urls import reverse
from django.utils.http import http_date
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.authentication import PhoneTokenAuthentication
from core.errors import InvalidInput

from . import services
from .errors import UnsupportedVersion, WrongContentType

VERSION = "1.0.0"
EXTENSIONS = "creation,creation-with-upload,expiration"
OFFSET_STREAM = "application/offset+octet-stream"


def _integer(request, header):
    value = request.headers.get(header, "")
    if not value.isascii() or not value.isdigit() or len(value) > 18:
        raise InvalidInput(fields={header: [_("Give a whole number of bytes.")]})
    return int(value)


def _metadata(request):
    """Upload-Metadata: comma-separated `key base64(value)` pairs."""
    pairs = {}
    for item in request.headers.get("Upload-Metadata", "").split(","):
        item = item.strip()
        if not item:
            continue
        key, _space, encoded = item.partition(" ")
        try:
            pairs[key] = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise InvalidInput(fields={"Upload-Metadata": [_("Each value is given in base64.")]}) from None
    return pairs


def _body_length(request):
    value = request.headers.get("Content-Length", "")
    return int(value) if value.isascii() and value.isdigit() else None


def _sends_bytes(request):
    return (_body_length(request) or 0) > 0


def _offset_stream(request):
    if request.content_type.split(";")[0].strip().lower() != OFFSET_STREAM:
        raise WrongContentType()


@extend_schema(exclude=True)
class TusView(APIView):
    authentication_classes = [PhoneTokenAuthentication, SessionAuthentication]

    def get_permissions(self):
        # Discovery (OPTIONS) is open, as the protocol has it; nothing else is.
        return [AllowAny()] if self.request.method == "OPTIONS" else [IsAuthenticated()]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.method != "OPTIONS" and request.headers.get("Tus-Resumable") != VERSION:
            raise UnsupportedVersion()

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Tus-Resumable"] = VERSION
        if response.status_code == 412:
            response["Tus-Version"] = VERSION
        response["Cache-Control"] = "no-store"
        return response

    @staticmethod
    def progress(upload, response):
        response["Upload-Offset"] = str(upload.offset)
        response["Upload-Expires"] = http_date(upload.expires_at.timestamp())
        return response


class UploadCreateView(TusView):
    def options(self, request, *args, **kwargs):
        response = Response(status=204)
        response["Tus-Version"] = VERSION
        response["Tus-Extension"] = EXTENSIONS
        response["Tus-Max-Size"] = str(services.photos.max_bytes())
        return response

    def post(self, request):
        length = _integer(request, "Upload-Length")
        metadata = _metadata(request)
        if _sends_bytes(request):
            _offset_stream(request)
        upload = services.create_upload(request.user, length=length, metadata=metadata)
        if _sends_bytes(request) and not upload.complete:
            upload = services.append(
                request.user, upload.pk, offset=0, stream=request._request, content_length=_body_length(request)
            )
        response = Response(status=201)
        response["Location"] = reverse("uploads:upload", args=[upload.pk])
        return self.progress(upload, response)


class UploadView(TusView):
    def options(self, request, *args, **kwargs):
        response = Response(status=204)
        response["Tus-Version"] = VERSION
        response["Tus-Extension"] = EXTENSIONS
        return response

    def head(self, request, upload_id):
        upload = services.find_upload(request.user, upload_id)
        response = Response(status=200)
        response["Upload-Length"] = str(upload.length)
        return self.progress(upload, response)

    def patch(self, request, upload_id):
        _offset_stream(request)
        offset = _integer(request, "Upload-Offset")
        upload = services.append(
            request.user, upload_id, offset=offset, stream=request._request, content_length=_body_length(request)
        )
        return self.progress(upload, Response(status=204))
