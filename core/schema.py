"""The OpenAPI schema's view of every operation, so that it says what the API really answers.

Every operation can fail in ways its view does not spell out: a malformed parameter or body
(400), no or a bad sign-in (401), a role that may not (403), an id that is not there or not in
the caller's jurisdiction, or a page past the end (404), a body too large (413) or of a type it
does not read (415), too many tries (429). `AutoSchema` (REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"]) adds those that
the view can give, from what the view is (its parameters, body, authentication, permissions,
throttles, path), as the shared `Error` component: the one error shape of core.api_errors.
A view that documents a status code itself keeps its own description. New endpoints get the
same without a line of their own.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular import openapi
from drf_spectacular.plumbing import force_instance, is_serializer
from drf_spectacular.utils import OpenApiResponse
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import AllowAny

from .api_errors import ErrorSerializer

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}

DESCRIPTIONS = {
    400: _("invalid input: `fields` names each malformed parameter or field"),
    401: _("not signed in, or the sign-in expired or was revoked"),
    403: _("not allowed"),
    404: _("not found, or not in your jurisdiction"),
    409: _("the case was changed by someone else (stale version), or the act does not fit its state"),
    413: _("the request body is too large"),
    415: _("the body is not of a media type this operation reads"),
    429: _("too many requests: wait (Retry-After) and try again"),
}


class AutoSchema(openapi.AutoSchema):
    def error_codes(self):
        """The error statuses this operation can answer, whatever its view documents."""
        view, method = self.view, self.method.upper()
        codes = set()
        has_body = method in UNSAFE and self.get_request_serializer() is not None
        if has_body or self._checked_parameters():
            codes.add(400)
        authenticators = view.get_authenticators()
        if authenticators:
            codes.add(401)  # also where sign-in is optional: a bad or expired token is refused
        restricted = any(not isinstance(permission, AllowAny) for permission in view.get_permissions())
        csrf = method in UNSAFE and any(isinstance(a, SessionAuthentication) for a in authenticators)
        if restricted or csrf:
            codes.add(403)
        if "{" in self.path or (self._is_list_view() and getattr(view, "pagination_class", None)):
            codes.add(404)  # a detail route's id not there or not visible; a page past the end
        if has_body and self._has_version():
            codes.add(409)
        if method in UNSAFE:
            codes.update({413, 415})
        if view.get_throttles():
            codes.add(429)
        return codes

    def _checked_parameters(self):
        """Query and header parameters: given malformed, they are a 400 naming them."""
        return [p for p in self._get_parameters() if p.get("in") in ("query", "header")]

    def _has_version(self):
        serializer = self.get_request_serializer()
        return is_serializer(serializer) and "version" in force_instance(serializer).fields

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for code in sorted(self.error_codes()):
            if str(code) not in responses:
                error = OpenApiResponse(ErrorSerializer, description=DESCRIPTIONS[code])
                responses[str(code)] = self._get_response_for_code(error, str(code), direction=direction)
        return dict(sorted(responses.items()))
