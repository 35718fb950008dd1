from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts: sign-in, passwords and phone tokens")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from .passwords import remember_on_login

        # Only session bookkeeping: a temporary password is remembered in the session at sign-in,
        # so that the middleware asks for a new one without a query on every request.
        user_logged_in.connect(remember_on_login, dispatch_uid="accounts.remember_on_login")
