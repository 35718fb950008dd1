from django.urls import path

from . import api, views

app_name = "residents"
urlpatterns = [
    path("", views.page, name="page"),
    path("api/categories/", api.CategoriesView.as_view(), name="categories"),
    path("api/places/", api.PlacesView.as_view(), name="places"),
    path("api/phone/code/", api.CodeView.as_view(), name="phone-code"),
    path("api/phone/verify/", api.VerifyView.as_view(), name="phone-verify"),
    path("api/photos/", api.PhotoView.as_view(), name="photos"),
    path("api/reports/", api.ReportView.as_view(), name="reports"),
    path("api/cases/<str:number>/", api.CaseView.as_view(), name="case"),
    path("api/cases/<str:number>/rating/", api.RatingView.as_view(), name="rating"),
    path("api/cases/<str:number>/complaint/", api.ComplaintView.as_view(), name="complaint"),
    path("api/map/", api.MapView.as_view(), name="map"),
]
