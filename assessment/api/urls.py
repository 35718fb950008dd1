from django.urls import path

from . import wall

app_name = "assessment_api"

urlpatterns = [
    path("wall/", wall.WallView.as_view(), name="wall"),
]
