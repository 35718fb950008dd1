"""Every response under /api/ is JSON in the one error shape, also when Django answered before
(or instead of) a view: an unmatched path, a body over the upload limit, a request the server
could not read. DRF's own errors already have the shape (core.api_errors); this catches the rest."""

from django.conf import settings
from django.http import JsonResponse
from django.utils.translation import gettext_lazy as _

from .api_errors import error_body

API_PREFIX = "/api/"

BY_STATUS = {
    400: ("invalid", _("The request could not be read.")),
    401: ("not_authenticated", _("Sign in first.")),
    403: ("not_allowed", _("You may not do this.")),
    404: ("not_found", _("There is nothing at this address.")),
    405: ("method_not_allowed", _("This address does not take this method.")),
    413: ("too_large", _("The request is too large.")),
    429: ("throttled", _("Too many requests: wait a while and try again.")),
}
KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")


def shaped(status, message=None):
    code, default = BY_STATUS.get(status, ("error", _("The server could not answer this request.")))
    return JsonResponse(error_body(code, message or default), status=status)


class APIErrorShapeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code < 400
            or not request.path_info.startswith(API_PREFIX)
            or "json" in response.get("Content-Type", "")
            or (response.status_code >= 500 and settings.DEBUG)  # keep the debug page for developers
        ):
            return response
        answer = shaped(response.status_code)
        for header in KEPT_HEADERS:
            if header in response:
                answer[header] = response[header]
        return answer
