from django.urls import path

from . import views

app_name = "uploads"

urlpatterns = [
    path("", views.UploadCreateView.as_view(), name="uploads"),
    path("<uuid:upload_id>/", views.UploadView.as_view(), name="upload"),
]
