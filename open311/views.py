"""GeoReport v2 endpoints: thin callers of open311.services in the spec's two formats and error form."""

import functools

from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from . import formats, services
from .errors import Open311Error
from .throttles import ClientThrottle, ReadThrottle

SPEC = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-12-05T00:00:00+08:00"  # when these endpoints last changed in a way clients see


def open311(methods, throttle=True):
    """Only `methods`; reads limited per address; any Open311Error becomes the spec's error list in the
    asked format (also a refused method or rate)."""

    if "GET" in methods:
        methods = [*methods, "HEAD"]  # Django drops the body of a HEAD answer

    def wrap(view):
        @functools.wraps(view)
        def run(request, *args, fmt, **kwargs):
            try:
                if request.method not in methods:
                    raise Open311Error(405, _("This address does not take this method."))
                if throttle and request.method in ("GET", "HEAD"):
                    limit(ReadThrottle(), request)
                return view(request, fmt, *args, **kwargs)
            except Open311Error as error:
                response = formats.errors(fmt, error)
                if error.status == 405:
                    response["Allow"] = ", ".join(methods)
                if error.retry_after:
                    response["Retry-After"] = str(error.retry_after)
                return response

        return csrf_exempt(run)  # clients authenticate by api_key, never by a cookie

    return wrap


@open311(["GET"])
def discovery(request, fmt):
    base = request.build_absolute_uri(reverse("open311:root"))
    document = {
        "changeset": CHANGESET,
        "contact": _("Ask the county governance centre (综治中心) for help and for an api_key."),
        "key_service": _("api_keys are issued by the county's administrator, one per client application."),
        "endpoints": [
            {
                "specification": SPEC,
                "url": base.rstrip("/"),
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return formats.respond(fmt, "discovery", None, document)


@open311(["GET"])
def service_list(request, fmt):
    return formats.respond(fmt, "services", "service", services.services())


@open311(["GET"])
def service_definition(request, fmt, code):
    service = services.service(code)
    # No service asks for more than the standard fields (metadata is false): an empty definition.
    return formats.respond(fmt, "service_definition", None, {"service_code": service["service_code"], "attributes": []})


@open311(["GET", "POST"])
def request_list(request, fmt):
    if request.method == "POST":
        try:
            client = services.client_for_key(request.POST.get("api_key"))
        except Open311Error:
            limit(ReadThrottle(), request)  # a wrong key counts against the address, like a read
            raise
        limit(ClientThrottle(), request, client)
        case, created = services.submit_request(client, request.POST)
        return formats.respond(
            fmt, "service_requests", "request", services.posted(case, created), status=201 if created else 200
        )
    return formats.respond(fmt, "service_requests", "request", services.find_requests(request.GET))


@open311(["GET"])
def request_detail(request, fmt, number):
    return formats.respond(fmt, "service_requests", "request", services.find_request(number))


@open311(["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"], throttle=False)
def not_found(request, fmt, path):
    raise Open311Error(404, _("There is nothing at this address."))


def limit(throttle, request, holder=None):
    """The spec names no status for it: 429, in its error form, with Retry-After."""
    if not throttle.allow_request(request, holder):
        error = Open311Error(429, _("Too many requests: wait a while and try again."))
        error.retry_after = int(throttle.wait() or 1)
        raise error
