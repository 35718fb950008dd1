"""The phone's sign-in and sign-out (`/api/auth/…`): serializers, the sign-in service and the sign-out view."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api_errors import ERRORS
from core.errors import InvalidInput

from . import passwords, tokens
from .authentication import PhoneTokenAuthentication


class SignInSerializer(serializers.Serializer):
    username = serializers.CharField(label=_("Username"), max_length=150)
    password = serializers.CharField(label=_("Password"), max_length=4096, trim_whitespace=False)


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()


def phone_sign_in(request, username, password):
    """The token for a phone signing in; raises InvalidInput (wrong), LockedOut (429) or PasswordChangeRequired."""
    user = passwords.sign_in(getattr(request, "_request", request), username, password)
    if user is None:
        raise InvalidInput(
            _("Unable to sign in with this username and password."),
            fields={"non_field_errors": [str(_("Unable to sign in with this username and password."))]},
        )
    if passwords.must_change(user):
        raise passwords.PasswordChangeRequired()
    return tokens.issue(user)


class SignOutView(APIView):
    """The phone signs out: its token is revoked (every phone of this user signs in again)."""

    authentication_classes = [PhoneTokenAuthentication]

    @extend_schema(
        summary=_("Sign out: revoke the phone's token"),
        request=None,
        responses={204: OpenApiResponse(description=_("signed out")), 401: ERRORS[401]},
    )
    def post(self, request):
        tokens.revoke_key(request.auth.key)
        return Response(status=status.HTTP_204_NO_CONTENT)
