from django.urls import path

from . import views, wall

app_name = "assessment_api"

urlpatterns = [
    path("wall/", wall.WallView.as_view(), name="wall"),
    path("assessment/", views.OverviewView.as_view(), name="overview"),
    path("assessment/trend/", views.TrendView.as_view(), name="trend"),
    path("assessment/monthly/", views.MonthlyReportView.as_view(), name="monthly"),
    path("me/", views.MeView.as_view(), name="me"),
]
