"""The resident's page at /r/: one phone-first page (report, follow, the public map); every word
the script shows comes from here, translated, and the script holds none."""

from django.conf import settings
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import ensure_csrf_cookie
from leaflet import app_settings as leaflet_settings

from disputes.models import Satisfaction


def _strings():
    return {
        "searching": _("Searching…"),
        "noPlace": _("No village or grid cell has this name."),
        "placeChosen": _("Place: %(name)s"),
        "gpsWorking": _("Finding your position…"),
        "gpsFound": _("Your position, accurate to %(metres)s m"),
        "gpsFailed": _("Your position could not be found: type the place's name or set it on the map."),
        "pinSet": _("Place set on the map"),
        "categoryChosen": _("Chosen: %(name)s"),
        "allOf": _("All of “%(name)s”"),
        "noMatchOther": _("Nothing matches these words; if none below fits, choose “other”."),
        "codeSent": _("A code was sent to %(phone)s. Type it below."),
        "phoneVerified": _("Phone number confirmed."),
        "sending": _("Sending…"),
        "received": _("Received. Your matter's number is %(number)s and its verification code %(code)s."),
        "keep": _("Keep them: with them you can follow the matter here. They were also sent to your phone."),
        "followIt": _("Follow this matter"),
        "offline": _("No connection: the report was kept and is sent again when you press the button."),
        "fix": _("Please correct the marked fields."),
        "needCategory": _("Choose what happened."),
        "needPlace": _("Say where: type the place's name, use your position or set it on the map."),
        "needPhone": _("Confirm your phone number first."),
        "removePhoto": _("Remove photo %(number)s"),
        "dueAt": _("Due by %(time)s"),
        "noDue": _("No deadline now"),
        "rated": _("Your rating: %(rating)s"),
        "thanksRating": _("Thank you for your rating."),
        "thanksComplaint": _("Your complaint has reached the governance centre."),
        "open": _("%(count)s being handled"),
        "closed": _("%(count)s closed"),
        "cellLine": _("%(village)s · %(cell)s: %(open)s being handled, %(closed)s closed"),
        "nothingInView": _("No matters shown in this area."),
        "error": _("Something went wrong (%(status)s). Try again."),
        "satisfaction": {value: str(label) for value, label in Satisfaction.choices},
    }


def _config():
    return {
        "api": {
            "categories": reverse("residents:categories"),
            "places": reverse("residents:places"),
            "code": reverse("residents:phone-code"),
            "verify": reverse("residents:phone-verify"),
            "photos": reverse("residents:photos"),
            "reports": reverse("residents:reports"),
            "cases": reverse("residents:page") + "api/cases/",
            "map": reverse("residents:map"),
        },
        "map": {
            **settings.BASE_MAP_LAYERS.page_config(),
            "center": list(leaflet_settings.get("DEFAULT_CENTER") or (0, 0)),
            "zoom": leaflet_settings.get("DEFAULT_ZOOM") or 10,
            "maxZoom": leaflet_settings.get("MAX_ZOOM") or 18,
        },
    }


@ensure_csrf_cookie
def page(request):
    context = {
        "resident_strings": _strings(),
        "resident_config": _config(),
        "satisfactions": Satisfaction.choices,
    }
    return render(request, "residents/resident.html", context)
