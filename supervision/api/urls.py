from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

app_name = "supervision_api"

router = SimpleRouter()
router.register("supervision/orders", views.OrderViewSet, basename="order")

urlpatterns = [
    path("cases/<int:pk>/orders/", views.CaseOrdersView.as_view(), name="case-orders"),
    *router.urls,
]
