from django.urls import path, re_path
from rest_framework.routers import SimpleRouter

from accounts.api import SignOutView

from . import views

app_name = "api"

router = SimpleRouter()
router.register("reports", views.ReportViewSet, basename="report")
router.register("cases", views.CaseViewSet, basename="case")

urlpatterns = [
    # Before the router, so that "geojson" is never read as a case id.
    path("cases/geojson/", views.CaseGeoJSONView.as_view(), name="case-geojson"),
    path("cases/<int:pk>/agreement/print/", views.AgreementPrintView.as_view(), name="agreement-print"),
    path("cases/<int:pk>/agreement/pdf/", views.AgreementPDFView.as_view(), name="agreement-pdf"),
    path("requests/<int:pk>/decide/", views.RequestDecideView.as_view(), name="request-decide"),
    path("tasks/<int:pk>/answer/", views.TaskAnswerView.as_view(), name="task-answer"),
    path("categories/", views.CategoryTreeView.as_view(), name="categories"),
    path("work/", views.WorkView.as_view(), name="work"),
    path("photos/", views.PhotoUploadView.as_view(), name="photos"),
    re_path(r"^photos/(?P<sha256>[0-9a-f]{64})\.jpg$", views.PhotoFileView.as_view(), name="photo-file"),
    path("public/cases/<str:number>/", views.PublicCaseView.as_view(), name="public-case"),
    path("public/cases/<str:number>/rating/", views.PublicRatingView.as_view(), name="public-rating"),
    path("auth/token/", views.TokenView.as_view(), name="token"),
    path("auth/logout/", SignOutView.as_view(), name="logout"),
    *router.urls,
]
