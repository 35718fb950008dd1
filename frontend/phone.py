"""The gridworker's phone app (PWA): the page shell, its service worker and its manifest.

The page carries no personal data: the service worker keeps it for use without signal, and the
app signs in with an API token kept on the phone (IndexedDB), not with the session cookie.
Everything the app shows in words comes from here or the template, translated; the scripts
hold no user-visible text.
"""

import hashlib
import json

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.vary import vary_on_cookie
from leaflet import app_settings as leaflet_settings

from disputes import lifecycle, timeline
from disputes.models import CaseState, PartyRole
from disputes.workflow.catalogue import CATALOGUE

from .built import read_bundle
from .mediator import act_path

# Sizes of the icons under frontend/static/frontend/ (square PNGs).
ICON_SIZES = (192, 512)

# Static files the app needs without signal, besides those the page links (the service worker
# reads those from the page itself, so a change of template needs no change here).
OFFLINE_STATIC = (
    "frontend/build/phone.js",
    "frontend/build/phone.css",
    "leaflet/leaflet.css",
    "leaflet/leaflet.js",
    "leaflet/images/marker-icon.png",
    "leaflet/images/marker-icon-2x.png",
    "leaflet/images/marker-shadow.png",
    "leaflet/images/layers.png",
    "leaflet/images/layers-2x.png",
    *(f"frontend/phone-icon-{size}.png" for size in ICON_SIZES),
)


def _url(name, fallback):
    try:
        return reverse(name)
    except NoReverseMatch:
        return fallback


def _strings():
    """Every text the scripts show, translated for the page's language."""
    return {
        "state": {
            "waiting": _("Waiting for signal"),
            "sending": _("Sending…"),
            "sent": _("Sent"),
            "refused": _("Refused"),
        },
        "caseState": {value: str(label) for value, label in CaseState.choices},
        "saved": _("Saved on this phone. It is sent as soon as there is signal."),
        "receipt": _("Case %(number)s · look-up code %(code)s"),
        "receipt_duplicates": _("%(count)s open matters nearby may be the same; the centre will decide"),
        "photosProgress": _("Photos: %(sent)s of %(total)s uploaded"),
        "photoRefused": _("A photo was refused: %(message)s"),
        "photoUpload": _("Upload of photo %(number)s"),
        "photoSending": _("Photo %(number)s: %(percent)s sent"),
        "photoUploaded": _("Photo %(number)s: uploaded"),
        "photoNotUploaded": _("Photo %(number)s: not uploaded"),
        "nextTry": _("Next try at %(time)s"),
        "noSignal": _("No signal."),
        "serverTrouble": _("The server could not take it just now (%(status)s); trying again."),
        "signInAgain": _("Your sign-in has expired: sign in again. Your reports stay on this phone."),
        "signInExpired": _("Your sign-in has expired after a long time without use: sign in again."),
        "signInRevoked": _("You were signed out (on another device, or by an administrator): sign in again."),
        "pendingAfterSignIn": _("%(count)s reports wait on this phone and are sent once you have signed in."),
        "signInOffline": _("Signing in needs signal."),
        "signInFailed": _("Sign-in failed."),
        "signedInAs": _("Signed in as %(user)s"),
        "pendingOnSignOut": _(
            "%(count)s of your reports are still waiting. They stay on this phone and are sent when you sign in again."
        ),
        "online": _("Online"),
        "offline": _("No signal"),
        "pending": _("%(count)s waiting"),
        "live": {"connecting": _("connecting…"), "live": _("live"), "offline": _("not live")},
        "locating": _("Finding your position…"),
        "accuracy": _("Position found, accurate to %(metres)s m"),
        "poorFix": _("The position is only accurate to %(metres)s m: drag the pin to where it happened."),
        "noFix": _("The phone gives no position: drag the pin to where it happened."),
        "denied": _("The app may not use your position: drag the pin to where it happened."),
        "byHand": _("Position set on the map"),
        "invalid": {
            "category": _("Choose a category."),
            "description": _("Describe what happened."),
            "position": _("Set the position: wait for a fix or place the pin on the map."),
            "result": _("Describe how it was settled on the spot."),
            "resultPhoto": _("Add a photo of the result."),
            "partyName": _("Give each party's name."),
            "occurred": _("The time it happened lies in the future."),
        },
        "fix": _("Please correct the marked fields."),
        "allOf": _("All of “%(name)s”"),
        "noMatch": _("No category matches."),
        "noMatchOther": _("Nothing matches these words; if none below fits, choose “other”."),
        "chooseCategory": _("Choose a category"),
        "noCategories": _("The categories have not been loaded yet: open the app once with signal."),
        "noReports": _("No reports yet."),
        "noTasks": _("Nothing to verify."),
        "noOpen": _("No open matters in your grid."),
        "removePhoto": _("Remove photo %(number)s"),
        "photo": _("Photo %(number)s"),
        "photoTooBig": _("This photo is too large and could not be made smaller."),
        "notAnImage": _("This file is not a photo."),
        "confirmDiscard": _("Discard this report from the phone? It was not received by the server."),
        "verifyNote": _("Say what is still wrong."),
        "verified": _("Verification recorded."),
        "needsSignal": _("This needs signal."),
        "gridMissing": _("Your grid cells could not be loaded."),
        "gridEmpty": _("You are not assigned to any grid cell."),
        "due": _("due %(time)s"),
        "overdue": _("overdue"),
        "party": _("Party %(number)s"),
        "removeParty": _("Remove party %(number)s"),
        "updated": _("Updated %(time)s"),
        "urgency": {
            "breached": _("Past the deadline"),
            "warning": _("Near the deadline"),
        },
        "asks": _("For you: %(acts)s"),
        "details": _("Details"),
        "loading": _("Loading…"),
        "loadFailed": _("The case could not be loaded: %(message)s"),
        "caseTitle": _("Case %(number)s"),
        "sheet": {
            "state": _("State"),
            "due": _("Deadline"),
            "noDue": _("No deadline now"),
            "place": _("Where"),
            "unit": _("Handled by"),
            "reported": _("Reported"),
            "photos": _("Photos"),
            "noPhotos": _("No photos."),
            "photo": _("Photo %(number)s"),
            "timeline": _("Timeline"),
            "goVerify": _("Verify it under “Tasks”"),
        },
        "figures": {
            "reports": _("Reports made"),
            "on_spot_reports": _("Settled on the spot"),
            "verifications": _("Verifications"),
            "verified_on_time": _("Verified on time"),
            "active_days": _("Days with activity"),
        },
        "figuresOf": _("My work in %(month)s"),
        "meOffline": _("Your figures need signal; shown as last seen."),
        "noCells": _("No grid cell."),
        "notify": {
            "on": _("You will be told when a matter nears or passes its deadline."),
            "denied": _("Notifications are blocked for this app in the browser's settings."),
            "unsupported": _("This browser cannot show notifications."),
            "breached": _("Past the deadline: %(number)s"),
            "warning": _("Near the deadline: %(number)s"),
        },
    }


VERIFY = CATALOGUE["verify"]


def _config(request):
    phone = reverse("frontend:phone")
    return {
        "language": request.LANGUAGE_CODE,
        "scope": phone,
        "serviceWorker": reverse("frontend:phone-sw"),
        "api": {
            "token": reverse("api:token"),
            "logout": reverse("api:logout"),
            "reports": reverse("api:report-list"),
            "cases": reverse("api:case-list"),
            "photos": reverse("api:photos"),
            # Photos go resumably, in chunks (the tus protocol: uploads/).
            "uploads": reverse("uploads:uploads"),
            "categories": reverse("api:categories"),
            "work": reverse("api:work"),
            "me": reverse("assessment_api:me"),
        },
        # The cells layer belongs to maps/; until its URL exists the app asks the agreed address.
        "cells": _url("maps:cells", "/maps/cells.geojson") + "?mine=1",
        "events": "/ws/events/",
        "map": {
            # The background (maps/basemap.py: BASE_MAP): tiles, overlays, the attribution prefix.
            **settings.BASE_MAP_LAYERS.page_config(),
            "center": list(leaflet_settings.get("DEFAULT_CENTER") or (0, 0)),
            "zoom": leaflet_settings.get("DEFAULT_ZOOM") or 10,
            "maxZoom": leaflet_settings.get("MAX_ZOOM") or 18,
        },
        # The state sets (disputes/lifecycle.py) and the phone's one act, verification, from the catalogue.
        "lifecycle": lifecycle.js_config(),
        "verify": {"url": act_path(VERIFY), "states": sorted(VERIFY.states)},
        # What each act and each step of a timeline is called (the catalogue; disputes/timeline.py).
        "acts": {name: str(entry.title) for name, entry in CATALOGUE.items()},
        "timeline": {action: str(label) for action, label in timeline.LABELS.items()},
        "version": _offline_version(),
        "photoMaxBytes": int(getattr(settings, "PHOTO_MAX_BYTES", 10 * 1024 * 1024)),
        "poorFixMetres": 50,
    }


@cache_control(no_cache=True)
def app(request):
    # No personal data in the page itself: the service worker caches it for use without signal.
    # no-cache: the page is always asked for (the service worker falls back to its copy offline).
    context = {
        "phone_strings": _strings(),
        "phone_config": _config(request),
        "party_roles": PartyRole.choices,
        "icon_192": f"frontend/phone-icon-{ICON_SIZES[0]}.png",
    }
    return render(request, "frontend/phone.html", context)


def _offline_files():
    return list(dict.fromkeys(static(name) for name in OFFLINE_STATIC))


def _offline_version():
    digest = hashlib.sha256()
    # The content of every file kept names the version: when one changes, the service worker's
    # own bytes change, the browser installs it afresh and the old copy is dropped.
    for name in OFFLINE_STATIC:
        found = finders.find(name)
        if found:
            with open(found, "rb") as file:
                digest.update(file.read())
    digest.update(json.dumps(_offline_files()).encode())
    return digest.hexdigest()[:16]


@cache_control(no_cache=True)
def service_worker(request):
    bundle = read_bundle("phone-sw.js")
    settings_js = json.dumps(
        {
            "version": hashlib.sha256((_offline_version() + bundle).encode()).hexdigest()[:16],
            "page": reverse("frontend:phone"),
            "manifest": reverse("frontend:phone-manifest"),
            "files": _offline_files(),
            "static": settings.STATIC_URL if settings.STATIC_URL.startswith("/") else "/" + settings.STATIC_URL,
        }
    )
    response = HttpResponse(
        f"self.GRIDGOV_OFFLINE = {settings_js};\n{bundle}", content_type="text/javascript; charset=utf-8"
    )
    response["Service-Worker-Allowed"] = reverse("frontend:phone")
    return response


@cache_control(max_age=3600)
@vary_on_cookie  # the language cookie names the language of its texts
def manifest(request):
    start = reverse("frontend:phone")
    icons = []
    for size in ICON_SIZES:
        src = static(f"frontend/phone-icon-{size}.png")
        icons.append({"src": src, "sizes": f"{size}x{size}", "type": "image/png", "purpose": "any"})
        # The drawing keeps to the central 60 %, so the same file serves as a maskable icon.
        icons.append({"src": src, "sizes": f"{size}x{size}", "type": "image/png", "purpose": "maskable"})
    return JsonResponse(
        {
            "id": start,
            "name": _("gridgov gridworker"),
            "short_name": _("Grid"),
            "description": _("Report events in your grid, with or without signal."),
            "start_url": start,
            "scope": start,
            "display": "standalone",
            "orientation": "portrait",
            "background_color": "#ffffff",
            "theme_color": "#0b3d5c",
            "lang": request.LANGUAGE_CODE,
            "icons": icons,
        },
        content_type="application/manifest+json",
        json_dumps_params={"ensure_ascii": False},
    )
