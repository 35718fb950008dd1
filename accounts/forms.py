"""Sign-in forms of the web and the admin, with the login lockout (accounts.lockout)."""

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from rest_framework.exceptions import Throttled

from . import passwords


class LockoutMixin:
    locked_message = ""

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            try:
                self.user_cache = passwords.sign_in(self.request, username, password)
            except Throttled as locked:
                self.locked_message = str(locked.detail)
                raise forms.ValidationError(self.locked_message, code="locked_out") from None
            if self.user_cache is None:
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class SignInForm(LockoutMixin, AuthenticationForm):
    pass


class AdminSignInForm(LockoutMixin, AdminAuthenticationForm):
    pass
