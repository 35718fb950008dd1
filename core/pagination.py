"""The API's pagination."""

from rest_framework.pagination import PageNumberPagination
from rest_framework_gis.pagination import GeoJsonPagination


class Pages(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class GeoPages(GeoJsonPagination):
    page_size = 1000
    max_page_size = 5000
