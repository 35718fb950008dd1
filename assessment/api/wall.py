"""GET /api/wall/: the figures of the governance centre's wall (大屏), for a signed-in centre
operator or an unattended wall holding a display token.

A display token (realtime.auth.issue_display_token) is read from `Authorization: Display <token>`
or `?display=<token>`. It opens this endpoint only, read-only, for the region it names; it
carries no user. A forged, expired or revoked token is refused (401), never read as anonymous.
"""

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.authentication import (
    BaseAuthentication,
    SessionAuthentication,
    get_authorization_header,
)
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.authentication import PhoneTokenAuthentication
from assessment import wall
from core.api_errors import ERRORS
from core.errors import NotAllowed, NotFound
from core.params import QuerySerializer
from grid import jurisdiction
from realtime.auth import display_identity

# --- who is asking -------------------------------------------------------------------------


@dataclass(frozen=True)
class Display:
    """An unattended wall: the region its token names, and the token's id (for revocation)."""

    region_code: str
    display_id: str


class DisplayAuthentication(BaseAuthentication):
    """`Authorization: Display <token>` or `?display=<token>`: request.auth becomes a Display, the user anonymous."""

    keyword = "Display"

    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if header and header[0].lower() == self.keyword.lower().encode():
            if len(header) != 2:
                raise exceptions.AuthenticationFailed(_("Send the display token as “Authorization: Display <token>”."))
            token = header[1].decode("utf-8", errors="replace")
        elif "display" in request.query_params:
            token = request.query_params["display"]
        else:
            return None
        identity = display_identity(token)
        if identity is None:
            raise exceptions.AuthenticationFailed(
                _("This display token is not valid: it is forged, expired or revoked. Ask for a new one.")
            )
        return AnonymousUser(), Display(*identity)

    def authenticate_header(self, request):
        return self.keyword


class DisplayScheme(OpenApiAuthenticationExtension):
    target_class = DisplayAuthentication
    name = "displayToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": str(
                _("A wall's display token, as “Display <token>” (or in the query string as ?display=<token>).")
            ),
        }


class WallViewer(BasePermission):
    """A signed-in user or a display; which region either may see is decided by the view."""

    def has_permission(self, request, view):
        return isinstance(request.auth, Display) or bool(request.user and request.user.is_authenticated)


# --- shapes ---------------------------------------------------------------------------------


class WallQuerySerializer(QuerySerializer):
    region = serializers.RegexField(
        r"^\d{12}$",
        required=False,
        help_text=_("a region within your jurisdiction (12-digit code); default: your top region"),
        error_messages={"invalid": _("A region code has 12 digits.")},
    )
    period = serializers.ChoiceField(
        choices=[(name, name) for name in wall.PERIODS],
        default=wall.DEFAULT_PERIOD,
        help_text=_("the calendar period of the indicators, ranking and categories (server time zone)"),
    )


class WallRegionSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.CharField()


class WallPeriodSerializer(serializers.Serializer):
    name = serializers.ChoiceField(choices=[(name, name) for name in wall.PERIODS])
    start = serializers.DateTimeField()
    end = serializers.DateTimeField(help_text=_("exclusive; figures count up to generated_at"))


class WallTodaySerializer(serializers.Serializer):
    reports = serializers.IntegerField(help_text=_("reports received today"))
    accepted = serializers.IntegerField(help_text=_("cases accepted today"))
    closed = serializers.IntegerField(help_text=_("cases closed today"))
    overdue = serializers.IntegerField(help_text=_("open cases past due now (not on hold)"))


def rate(help_text):
    return serializers.FloatField(allow_null=True, min_value=0, max_value=1, help_text=help_text)


class WallLocalCountsSerializer(serializers.Serializer):
    closed = serializers.IntegerField(help_text=_("cases closed in the period"))
    village = serializers.IntegerField()
    township = serializers.IntegerField()
    county = serializers.IntegerField()


class WallIndicatorsSerializer(serializers.Serializer):
    closure_rate = rate(_("结案率: closed ÷ (due − deferred)"))
    on_time_rate = rate(_("按期结案率: closed on time ÷ (due − deferred)"))
    satisfaction_rate = rate(_("群众满意率: satisfied or basically satisfied ÷ follow-ups answered"))
    local_share = rate(_("share of the cases closed in the period that were closed at village level"))
    local_rate = rate(_("就地化解率: closed at village or township level ÷ closed"))
    due = serializers.IntegerField(help_text=_("cases created in the period, less rejected and merged"))
    deferred = serializers.IntegerField()
    closed = serializers.IntegerField()
    closed_on_time = serializers.IntegerField()
    overdue = serializers.IntegerField(help_text=_("of the period's cases, open and past due now"))
    follow_ups = serializers.IntegerField()
    satisfied = serializers.IntegerField()
    local = WallLocalCountsSerializer()


class WallRankingRowSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    cases = serializers.IntegerField()
    closed = serializers.IntegerField()
    closure_rate = rate(_("结案率"))
    on_time_rate = rate(_("按期结案率"))
    satisfaction_rate = rate(_("群众满意率"))
    local_share = rate(_("share closed at village level"))
    overdue = serializers.IntegerField()


class WallCategorySerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    count = serializers.IntegerField()


class WallSuperviseRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    category_name = serializers.CharField()
    grade = serializers.CharField()
    state = serializers.CharField()
    area_name = serializers.CharField(help_text=_("the village, else township, the case lies in"))
    unit_name = serializers.CharField(help_text=_("the unit handling it now"))
    due_at = serializers.DateTimeField()
    overdue_hours = serializers.FloatField()
    lon = serializers.FloatField()
    lat = serializers.FloatField()


class WallOrderRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    grade = serializers.CharField()
    reason = serializers.CharField(help_text=_("why it was issued: overdue, complaint, red_grade …"))
    level = serializers.CharField(help_text=_("township or county"))
    state = serializers.CharField(help_text=_("open, reminded or escalated"))
    unit_name = serializers.CharField(help_text=_("the unit that must reply"))
    due_at = serializers.DateTimeField(help_text=_("the reply is due then: the panel counts down to it"))
    overdue = serializers.BooleanField()


class WallCasePointSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    lon = serializers.FloatField()
    lat = serializers.FloatField()
    grade = serializers.CharField()
    state = serializers.CharField()
    overdue = serializers.BooleanField()
    category_code = serializers.CharField()


class WallLabelsSerializer(serializers.Serializer):
    states = serializers.DictField(child=serializers.CharField(), help_text=_("state code → label"))
    grades = serializers.DictField(child=serializers.CharField(), help_text=_("grade code → label"))


class WallSerializer(serializers.Serializer):
    region = WallRegionSerializer()
    generated_at = serializers.DateTimeField()
    period = WallPeriodSerializer()
    today = WallTodaySerializer()
    indicators = WallIndicatorsSerializer()
    ranking = WallRankingRowSerializer(many=True, help_text=_("the areas one level down, best closure rate first"))
    categories = WallCategorySerializer(many=True)
    supervise = WallSuperviseRowSerializer(
        many=True, help_text=_("up to 20 open cases past due, most overdue first (督办)")
    )
    orders = WallOrderRowSerializer(
        many=True, help_text=_("up to 20 supervision orders awaiting a reply, the nearest deadline first (督办令)")
    )
    cases = WallCasePointSerializer(many=True, help_text=_("open cases, newest first, at most 1000"))
    notices = serializers.ListField(
        child=serializers.CharField(), help_text=_("standing notices for the centre, e.g. next year's holidays missing")
    )
    labels = WallLabelsSerializer()


# --- the view -------------------------------------------------------------------------------


class WallView(APIView):
    # A display token first: a connection carrying one never acts as the session's user.
    authentication_classes = [DisplayAuthentication, PhoneTokenAuthentication, SessionAuthentication]
    permission_classes = [WallViewer]

    def get_authenticate_header(self, request):
        # Every scheme this view takes ("Display, Token"), so that a 401 says how to get in.
        challenges = [auth.authenticate_header(request) for auth in self.get_authenticators()]
        return ", ".join(challenge for challenge in challenges if challenge) or None

    @extend_schema(
        summary=_("The governance centre's wall: today's flow, indicators, ranking, categories, 督办 and the map"),
        parameters=[
            WallQuerySerializer,
            OpenApiParameter(
                "display", str, required=False, description=_("a display token, instead of the Authorization header")
            ),
        ],
        responses={200: WallSerializer, **{code: ERRORS[code] for code in (400, 401, 403, 404)}},
    )
    def get(self, request):
        query = WallQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        if isinstance(request.auth, Display):
            allowed = wall.display_jurisdiction(request.auth.region_code)
            if not allowed:
                raise exceptions.AuthenticationFailed(_("The region of this display no longer exists."))
        else:
            allowed = jurisdiction.wall_regions(request.user)
            if not allowed:
                raise NotAllowed(
                    _("Only centre operators and administrators, whose jurisdiction is a region, have a wall.")
                )
        region, problem = wall.choose_region(allowed, query.validated_data.get("region"))
        if problem == "outside":
            raise NotAllowed(_("This region lies outside your jurisdiction."))
        if problem == "missing":
            raise NotFound(_("There is no region with this code."))
        board = wall.board(region, query.validated_data["period"])
        return Response(WallSerializer(board).data)
