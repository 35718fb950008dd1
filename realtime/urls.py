from django.urls import path

from . import api

app_name = "realtime"

urlpatterns = [
    path("", api.EventCatchUpView.as_view(), name="catch-up"),
]
