from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from core.api_errors import error_body

from .passwords import SESSION_KEY, PasswordChangeRequired


class TemporaryPasswordMiddleware:
    """A user signed in with a temporary password goes to "Change password" before anything else."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Without a session cookie there is no session to read (reading one would add `Vary: Cookie`).
        session = getattr(request, "session", None) if settings.SESSION_COOKIE_NAME in request.COOKIES else None
        if session is not None and session.get(SESSION_KEY) and request.user.is_authenticated:
            change = reverse("accounts:password-change")
            allowed = (change, reverse("frontend:logout"), reverse("set_language"))
            if request.path not in allowed and not request.path.startswith(("/static/", "/media/")):
                if request.path.startswith("/api/"):
                    error = PasswordChangeRequired()
                    return JsonResponse(error_body(error.code, error.message), status=error.status)
                return redirect(change)
        return self.get_response(request)
