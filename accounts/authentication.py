"""`Authorization: Token …` for the API, with expiry after inactivity (accounts.tokens)."""

from rest_framework.authentication import TokenAuthentication

from . import tokens


class PhoneTokenAuthentication(TokenAuthentication):
    """DRF's token header; an expired token is 401 `token_expired`, an unknown or revoked one `token_invalid`."""

    def authenticate_credentials(self, key):
        return tokens.authenticate(key)
