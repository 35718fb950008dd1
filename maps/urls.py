from django.urls import path

from . import views

app_name = "maps"
urlpatterns = [
    path("regions.geojson", views.regions, name="regions"),
]
