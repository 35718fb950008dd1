from django.urls import path

from . import api

urlpatterns = [
    path("places/", api.PlaceSearchView.as_view(), name="desk-places"),
    path("callers/", api.CallerHistoryView.as_view(), name="desk-callers"),
    path("similar/", api.SimilarCasesView.as_view(), name="desk-similar"),
    path("calls/", api.CallView.as_view(), name="desk-calls"),
    path("matters/", api.MatterView.as_view(), name="desk-matters"),
    path("orders/preview/", api.OrderPreviewView.as_view(), name="desk-orders-preview"),
    path("orders/import/", api.OrderImportView.as_view(), name="desk-orders-import"),
    path("orders/results/", api.OrderResultsView.as_view(), name="desk-orders-results"),
]
