from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView

from accounts.forms import AdminSignInForm
from desk import views as desk_views

admin.site.login_form = AdminSignInForm  # the login lockout, as on every sign-in
admin.site.site_header = _("gridgov administration")
admin.site.site_title = _("gridgov")
admin.site.index_title = _("Grid governance and dispute mediation")
admin.site.index_template = "admin/gridgov_index.html"  # warns while next year's holidays are missing

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "api/docs/",
        SpectacularRedocView.as_view(url_name="api-schema", template_name="frontend/api_docs.html"),
        name="api-docs",
    ),
    path("api/events/", include("realtime.urls")),
    path("api/ledgers/", include("ledgers.urls")),
    path("api/uploads/", include("uploads.urls")),
    path("api/desk/", include("desk.urls")),
    path("api/", include("earlywarning.api.urls")),
    path("api/", include("assessment.api.urls")),
    path("api/", include("supervision.api.urls")),
    path("api/", include("disputes.api.urls")),
    path("maps/", include("maps.urls")),
    path("r/", include("residents.urls")),
    path("open311/v2/", include("open311.urls")),
    path("supervision/", include("supervision.urls")),
    path("accounts/", include("accounts.urls")),
    path("desk/", desk_views.desk, name="desk"),
    path("desk/notices/<int:pk>/", desk_views.notice, name="desk-notice"),
    path("desk/notices/<int:pk>/pdf", desk_views.notice_pdf, name="desk-notice-pdf"),
    path("", include("frontend.urls")),
]

# Nothing under MEDIA_ROOT is served as it is: photos of cases go only to those who may see them,
# through GET /api/photos/<sha256>.jpg (disputes.api.views.PhotoFileView).
