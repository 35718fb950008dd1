"""One error shape for the whole API: {"code", "message", "fields"}.

Service errors (`WorkflowError`) carry their own code, status and translated message; DRF's
own errors (validation, authentication, permission, throttling) are mapped onto the same shape
so that a phone or a screen needs one way to show what went wrong.
"""

from django.conf import settings
from django.core.exceptions import BadRequest, RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from core.errors import InvalidInput, WorkflowError

CODES = {
    exceptions.ValidationError: "invalid",
    exceptions.ParseError: "invalid",
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "not_authenticated",
    exceptions.PermissionDenied: "not_allowed",
    exceptions.NotFound: "not_found",
    exceptions.Throttled: "throttled",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
}


def error_body(code, message, fields=None):
    return {"code": code, "message": str(message), "fields": fields or {}}


def flatten(detail, prefix=""):
    """DRF's nested error detail as {"parties[0].id_number": ["…"]}, the names the services use too."""
    fields = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            fields.update(flatten(value, _name(prefix, key)))
    elif isinstance(detail, list) and any(isinstance(item, dict | list) for item in detail):
        for index, value in enumerate(detail):
            if value:
                fields.update(flatten(value, f"{prefix}[{index}]"))
    elif isinstance(detail, list):
        fields[prefix or "non_field_errors"] = [str(item) for item in detail]
    else:
        fields[prefix or "non_field_errors"] = [str(detail)]
    return fields


def _name(prefix, key):
    if isinstance(key, int):  # a ListSerializer's errors come keyed by item index
        return f"{prefix}[{key}]"
    return f"{prefix}.{key}" if prefix else str(key)


def exception_handler(exc, context):
    if isinstance(exc, WorkflowError):
        set_rollback()
        return Response(error_body(exc.code, exc.message, exc.fields), status=exc.status)
    if isinstance(exc, RequestDataTooBig):
        # Django's limit on a body other than uploaded files (DATA_UPLOAD_MAX_MEMORY_SIZE).
        set_rollback()
        message = _("The request body is larger than %(limit)s bytes.") % {
            "limit": settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        }
        return Response(error_body("too_large", message), status=413)
    if isinstance(exc, SuspiciousOperation | BadRequest):
        # Too many fields or files, a malformed multipart body …: Django's 400s, in our shape.
        set_rollback()
        return Response(error_body("invalid", _("The request could not be read.")), status=400)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    # DRF's handler sets the headers (WWW-Authenticate, Retry-After) and rolls back.
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    # An exception may name its own code (e.g. `token_expired`, `locked_out`) under its class's status.
    code = getattr(exc, "error_code", None) or next((code for cls, code in CODES.items() if isinstance(exc, cls)), None)
    if code is None:
        code = getattr(exc, "default_code", "error")
    if isinstance(exc, exceptions.ValidationError):
        response.data = error_body(code, InvalidInput.default_message, flatten(exc.detail))
    else:
        response.data = error_body(code, _message(exc))
    return response


def _message(exc):
    detail = exc.detail
    if isinstance(detail, list | dict):
        return _("The request could not be carried out.")
    return str(detail)


# The error responses as the OpenAPI schema documents them.
class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description=gettext_lazy("invalid input")),
    401: OpenApiResponse(ErrorSerializer, description=gettext_lazy("not authenticated")),
    403: OpenApiResponse(ErrorSerializer, description=gettext_lazy("not allowed")),
    404: OpenApiResponse(ErrorSerializer, description=gettext_lazy("not found, or not in your jurisdiction")),
    409: OpenApiResponse(ErrorSerializer, description=gettext_lazy("illegal transition, stale version or conflict")),
}
