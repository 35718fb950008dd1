"""The API's pagination. A malformed `page` or `page_size` is a 400 naming it (DRF would answer
404 for the one and silently use the default for the other); a page past the end is still 404."""

from django.utils.translation import gettext as _
from rest_framework.pagination import PageNumberPagination
from rest_framework_gis.pagination import GeoJsonPagination

from core.params import InvalidParameter, blank_message


class CheckedPages:
    def paginate_queryset(self, queryset, request, view=None):
        for name in (self.page_query_param, self.page_size_query_param):
            if name and name in request.query_params:
                value = request.query_params[name].strip()
                if not value:
                    raise InvalidParameter(name, blank_message(name))
                if name == self.page_query_param and value in self.last_page_strings:
                    continue
                if not value.isascii() or not value.isdigit() or int(value) < 1:
                    raise InvalidParameter(name, _("Give “%(name)s” as a whole number from 1.") % {"name": name})
        return super().paginate_queryset(queryset, request, view)


class Pages(CheckedPages, PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class GeoPages(CheckedPages, GeoJsonPagination):
    page_size = 1000
    max_page_size = 5000
