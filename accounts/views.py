"""The web's pages for one's own account: change password."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.urls import reverse_lazy
from django.utils.translation import gettext as _

from . import passwords


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:password-change")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["temporary"] = bool(self.request.session.get(passwords.SESSION_KEY))
        return context

    def form_valid(self, form):
        response = super().form_valid(form)
        passwords.password_changed(form.user)
        self.request.session.pop(passwords.SESSION_KEY, None)
        messages.success(self.request, _("Your password has been changed. Phones sign in again with it."))
        return response
