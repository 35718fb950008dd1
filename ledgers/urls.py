from django.urls import path

from . import api

urlpatterns = [
    path("registers/", api.RegisterListView.as_view(), name="ledger-registers"),
    path("exports/", api.ExportListView.as_view(), name="ledger-exports"),
    path("exports/<uuid:pk>/", api.ExportDetailView.as_view(), name="ledger-export"),
    path("exports/<uuid:pk>/file/", api.ExportFileView.as_view(), name="ledger-export-file"),
]
