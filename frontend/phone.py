"""The gridworker's phone app (PWA): the page shell, its service worker and its manifest."""

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control

from .built import read_bundle


def app(request):
    # No personal data in the page itself: the service worker caches it for use without signal.
    return render(request, "frontend/phone.html")


@cache_control(no_cache=True)
def service_worker(request):
    response = HttpResponse(read_bundle("phone-sw.js"), content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = reverse("frontend:phone")
    return response


@cache_control(max_age=3600)
def manifest(request):
    start = reverse("frontend:phone")
    return JsonResponse(
        {
            "name": _("gridgov gridworker"),
            "short_name": _("Grid"),
            "start_url": start,
            "scope": start,
            "display": "standalone",
            "background_color": "#ffffff",
            "theme_color": "#0b3d5c",
            "lang": request.LANGUAGE_CODE,
            "icons": [],
        },
        content_type="application/manifest+json",
        json_dumps_params={"ensure_ascii": False},
    )
