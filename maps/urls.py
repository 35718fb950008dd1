from django.urls import path

from . import views

app_name = "maps"
urlpatterns = [
    path("regions.geojson", views.RegionLayer.as_view(), name="regions"),
    path("cases.geojson", views.CaseLayer.as_view(), name="cases"),
    path("cells.geojson", views.CellLayer.as_view(), name="cells"),
]
