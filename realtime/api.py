"""REST catch-up: the events after a stream position that the caller may see.

A client that was offline (or whose socket dropped, or whose channel layer was down) asks
for everything after the last position it applied, pages with `limit` until `more` is false,
then carries on with live events, ignoring any at or below its position.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.authentication import PhoneTokenAuthentication
from core.params import MAX_INTEGER, QuerySerializer

from .access import groups_for
from .publish import CATCH_UP_LIMIT, catch_up


class CatchUpQuery(QuerySerializer):
    after = serializers.IntegerField(
        min_value=0, max_value=MAX_INTEGER, default=0, help_text=_("the last stream position the client saw")
    )
    limit = serializers.IntegerField(min_value=1, max_value=CATCH_UP_LIMIT, default=CATCH_UP_LIMIT)


class EventSerializer(serializers.Serializer):
    seq = serializers.IntegerField()
    audit_seq = serializers.IntegerField()
    kind = serializers.CharField()
    case_id = serializers.IntegerField(allow_null=True)
    area_code = serializers.CharField()
    at = serializers.DateTimeField()
    payload = serializers.JSONField()


class CatchUpSerializer(serializers.Serializer):
    events = EventSerializer(many=True)
    last = serializers.IntegerField(help_text=_("the highest position returned, or `after` when none"))
    more = serializers.BooleanField(help_text=_("true when `limit` cut the list: ask again after `last`"))


class EventCatchUpView(APIView):
    # Token first, so that an anonymous call is answered 401 with a `WWW-Authenticate: Token` challenge.
    authentication_classes = [PhoneTokenAuthentication, SessionAuthentication]

    @extend_schema(
        summary=_("Events after a stream position, in your jurisdiction"),
        parameters=[CatchUpQuery],
        responses={200: CatchUpSerializer},
    )
    def get(self, request):
        query = CatchUpQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        groups = groups_for(request.user)
        if not groups:
            raise PermissionDenied(_("You have no role that receives events."))
        after, limit = query.validated_data["after"], query.validated_data["limit"]
        events = catch_up(groups, after, limit)
        last = events[-1]["seq"] if events else after
        return Response({"events": events, "last": last, "more": len(events) == limit})
