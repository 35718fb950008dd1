from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts: sign-in, passwords and phone tokens")

    def ready(self):
        from django.contrib.auth import get_user_model
        from django.contrib.auth.signals import user_logged_in
        from rest_framework.authtoken.models import Token

        from . import tokens
        from .passwords import remember_on_login

        # The tokens a process remembers are forgotten, in the transaction, when a token or a user
        # changes (accounts.tokens.remembered).
        tokens.remembered.watch(Token, get_user_model(), unless=tokens.unchanged)

        # Only session bookkeeping: a temporary password is remembered in the session at sign-in,
        # so that the middleware asks for a new one without a query on every request.
        user_logged_in.connect(remember_on_login, dispatch_uid="accounts.remember_on_login")
