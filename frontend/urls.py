from django.contrib.auth import views as auth_views
from django.urls import path

from accounts.forms import SignInForm

from . import assessment, ledgers, mediator, phone, views, wall, warnings

app_name = "frontend"
urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(template_name="frontend/login.html", authentication_form=SignInForm),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(next_page="frontend:login"), name="logout"),
    # The gridworker's phone app: the page is a shell without personal data (the service worker caches
    # it for offline use); it signs in with an API token kept on the phone.
    path("phone/", phone.app, name="phone"),
    path("phone/sw.js", phone.service_worker, name="phone-sw"),
    path("phone/manifest.webmanifest", phone.manifest, name="phone-manifest"),
    path("mediator/", mediator.workspace, name="mediator"),
    path("wall/", wall.wall, name="wall"),
    path("ledgers/", ledgers.ledgers, name="ledgers"),
    path("assessment/", assessment.page, name="assessment"),
    path("warnings/", warnings.page, name="warnings"),
]
