from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

app_name = "earlywarning_api"

router = SimpleRouter()
router.register("warnings", views.WarningViewSet, basename="warning")

urlpatterns = [
    path("warnings/hot-cells/", views.HotCellLayerView.as_view(), name="hot-cells"),
    *router.urls,
]
