"""The governance centre's wall (大屏): signed in, or unattended with a display token.

Two ways in:

- `?display=<token>` (from `manage.py issue_display_token REGION`): a screen nobody signs in to.
  The token names the region; it is checked here, by GET /api/wall/ and by the websocket alike,
  so a forged, expired or revoked one gets the refused page (403) and nothing else. The page
  hands the token to its script (in the JSON configuration, never in a link): the script sends
  it as `Authorization: Display …` to the API and as `display=` to the websocket.
- signed in: a centre operator or administrator sees their region (the top one when they hold
  several). Anyone else is refused (403).

Either way `?region=` narrows the wall to a region inside the jurisdiction (a township's wall at
the county centre); one outside it, or no region at all, is refused (403).

Everything the page shows comes from GET /api/wall/ (the figures, refreshed by the script) and
the event stream (live events); the page itself carries only the configuration and the labels.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from assessment import wall as figures
from disputes.models import CaseState
from earlywarning.models import Level, WarningKind
from grid import jurisdiction
from grid.models import Region, RegionLevel
from realtime.auth import display_identity
from realtime.events import EventKind
from realtime.models import EventGroup
from realtime.publish import region_group
from supervision.models import Level as OrderLevel
from supervision.models import OrderState
from supervision.models import Reason as OrderReason

# The script refreshes the figures this often (seconds), and shortly after events.
REFRESH_SECONDS = 45
# On first start (nothing stored yet) the feed begins this many of the region's events back,
# so that a new screen is not blank; afterwards it resumes where it left off.
FEED_BACKLOG = 30
EVENTS_PATH = "/ws/events/"  # realtime.routing
# The address may hold the display token: send it to no other site (tile servers included).
# Not "no-referrer": that makes the browser send `Origin: null` with the language switch's POST,
# which the CSRF check refuses.
REFERRER_POLICY = "same-origin"
CHILD_LEVEL = {RegionLevel.COUNTY: RegionLevel.TOWNSHIP, RegionLevel.TOWNSHIP: RegionLevel.VILLAGE}


def refused(request, reason):
    response = render(request, "frontend/wall_refused.html", {"reason": reason}, status=403)
    response["Referrer-Policy"] = REFERRER_POLICY
    return response


@never_cache
def wall(request):
    if "display" in request.GET:
        token = request.GET["display"]
        identity = display_identity(token)
        allowed = figures.display_jurisdiction(identity[0]) if identity else []
        if not allowed:
            return refused(request, "display")
        viewer = f"display:{identity[1]}"
    elif not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    else:
        token = ""
        allowed = jurisdiction.wall_regions(request.user)
        if not allowed:
            return refused(request, "role")
        viewer = f"user:{request.user.pk}"
    # `?region=` narrows the wall to a region within the jurisdiction (a township's wall at the county).
    region, problem = figures.choose_region(allowed, request.GET.get("region") or None)
    if problem:
        return refused(request, problem)
    period = request.GET.get("period")
    period = period if period in figures.PERIODS else figures.DEFAULT_PERIOD
    navigation = navigate(region, allowed, period)
    response = render(
        request,
        "frontend/wall.html",
        {"region": region, "navigation": navigation, "config": config(region, token, viewer, period, navigation)},
    )
    response["Referrer-Policy"] = REFERRER_POLICY
    return response


def start_position(region):
    """The stream position to start a new screen's feed from: FEED_BACKLOG of the region's events back."""
    recent = list(
        EventGroup.objects.filter(group=region_group(region.code))
        .order_by("-event_id")
        .values_list("event_id", flat=True)[:FEED_BACKLOG]
    )
    return recent[-1] - 1 if len(recent) == FEED_BACKLOG else 0


def wall_url(**params):
    """The wall's own address with `params`. A display's token is in no link: the script adds it
    when one is followed (wall/main.js), so that it is never copied out of the page with a link."""
    return f"{reverse('frontend:wall')}?{urlencode(params)}"


def navigate(region, allowed, period):
    """Where the wall may go from here: the same wall for another period, an area one level down
    (the ranking's rows and the map's areas), and back up to the region above while it lies within
    the jurisdiction (a township's wall at the county centre goes back to the county's)."""
    top = any(region.code == other.code for other in allowed)
    parent = None if top else Region.objects.defer("boundary").filter(pk=region.parent_id).first()
    return {
        "period": period,
        "periods": [
            {"name": name, "label": texts()["periods"][name], "url": wall_url(region=region.code, period=name)}
            for name in figures.PERIODS
        ],
        "up": {"name": parent.name, "url": wall_url(region=parent.code, period=period)} if parent else None,
        # "{code}" is replaced by the script with an area's code.
        "down": wall_url(period=period, region="CODE").replace("CODE", "{code}")
        if CHILD_LEVEL.get(region.level)
        else None,
    }


def config(region, token, viewer, period, navigation):
    """What the script needs: addresses, the region, the credential and every label it shows."""
    return {
        "api": f"{reverse('assessment_api:wall')}?{urlencode({'region': region.code, 'period': period})}",
        "down": navigation["down"],
        "boundaries": reverse("maps:regions"),
        "events": EVENTS_PATH + (f"?{urlencode({'display': token})}" if token else ""),
        "display": token,
        "region": {"code": region.code, "name": region.name, "level": region.level, "prefix": region.prefix},
        "levels": {"region": region.level, "children": CHILD_LEVEL.get(region.level)},
        "storageKey": f"gridgov:wall:{viewer}:{region.code}",
        "startAfter": start_position(region),
        "heartbeatSeconds": getattr(settings, "REALTIME_HEARTBEAT_SECONDS", 25) or 25,
        "refreshSeconds": REFRESH_SECONDS,
        "timeZone": settings.TIME_ZONE,
        "kinds": {kind.value: str(kind.label) for kind in EventKind},
        "states": {state.value: str(state.label) for state in CaseState},
        "text": texts(),
    }


def texts():
    """Translated strings for the script, which fills their `%(name)s` placeholders (common/text.js)."""
    return {
        "connecting": _("Connecting…"),
        "live": _("Live"),
        "offlineSince": _("Offline since %(time)s"),
        "offlineBanner": _(
            "The connection to the server was lost at %(time)s (%(duration)s ago). Reconnecting by itself; "
            "the figures below are from %(updated)s."
        ),
        "updated": _("Updated %(time)s"),
        "minutes": _("%(minutes)s min"),
        "hoursMinutes": _("%(hours)s h %(minutes)s min"),
        "hours": _("%(hours)s h"),
        "daysHours": _("%(days)s d %(hours)s h"),
        "redAlert": _("Red alert: case %(number)s, %(category)s"),
        "moreAlerts": _("and %(count)s more"),
        "warningAlert": _("Early warning (%(level)s): %(kind)s at %(place)s"),
        "warningKinds": {key: str(label) for key, label in WarningKind.choices},
        "warningLevels": {key: str(label) for key, label in Level.choices},
        "page": _("page %(page)s of %(pages)s"),
        "mapCount": _("Open cases on the map: %(count)s"),
        "stateTo": _("→ %(state)s"),
        "orderLeft": _("%(time)s left"),
        "orderLate": _("late by %(time)s"),
        "orderDaysClock": _("%(days)s d %(clock)s"),
        "orderReasons": {key: str(label) for key, label in OrderReason.choices},
        "orderLevels": {key: str(label) for key, label in OrderLevel.choices},
        "orderStates": {key: str(label) for key, label in OrderState.choices},
        "periods": {
            "today": _("today"),
            "week": _("this week"),
            "month": _("this month"),
            "year": _("this year"),
        },
    }
