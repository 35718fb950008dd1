"""The API's pagination. A malformed `page` or `page_size` is a 400 naming it (DRF would answer
404 for the one and silently use the default for the other); a page past the end is still 404."""

import base64
import binascii
import datetime
import json

from django.db.models import Q
from django.utils.translation import gettext as _
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
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

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1  # 0 and below are a 400 (`last` is also taken for `page`)
        return parameters


class Pages(CheckedPages, PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class GeoPages(CheckedPages, GeoJsonPagination):
    page_size = 1000
    max_page_size = 5000

    def get_paginated_response_schema(self, schema):
        """A FeatureCollection (`schema`: its `type` and `features`) with the page's count and links.

        rest_framework_gis renames `results` to `features` but leaves `results` required and makes
        `features` the whole collection instead of its list of features."""
        links = PageNumberPagination.get_paginated_response_schema(self, schema)["properties"]
        return {
            "allOf": [
                schema,
                {
                    "type": "object",
                    "required": ["type", "count", "features"],
                    "properties": {name: links[name] for name in ("count", "next", "previous")},
                },
            ]
        }


class KeysetPages(Pages):
    """Pages by position, not by number: `next` carries a cursor naming the last row sent, and the
    next page starts after it (WHERE (created_at, id) < (…)), so no page counts the rows or skips
    OFFSET of them, however deep. The answer has `next` and `results`, no `count`.

    `ordering` is the queryset's order: descending fields whose last is unique (the primary key).
    A client that still asks for a `page` by number gets the numbered pages with their count, as
    before; the browser's lists follow `next`.
    """

    ordering = ("-created_at", "-pk")
    cursor_query_param = "cursor"

    def paginate_queryset(self, queryset, request, view=None):
        if self.page_query_param in request.query_params:
            self.keyset = False
            return super().paginate_queryset(queryset, request, view)
        self.keyset = True
        self.request = request
        size = self.get_page_size(request)
        for name in (self.page_size_query_param,):
            if name in request.query_params:
                value = request.query_params[name].strip()
                if not value:
                    raise InvalidParameter(name, blank_message(name))
                if not value.isascii() or not value.isdigit() or int(value) < 1:
                    raise InvalidParameter(name, _("Give “%(name)s” as a whole number from 1.") % {"name": name})
        after = self.read_cursor(request)
        if after is not None:
            queryset = queryset.filter(self.after(after))
        rows = list(queryset.order_by(*self.ordering)[: size + 1])
        self.more = len(rows) > size
        self.rows = rows[:size]
        return self.rows

    def after(self, values):
        """A Q selecting the rows after `values` in `ordering` (all descending)."""
        fields = [name.lstrip("-") for name in self.ordering]
        condition = Q()
        for index, field in enumerate(fields):
            step = Q(**{f"{field}__lt": values[index]})
            for earlier in range(index):
                step &= Q(**{fields[earlier]: values[earlier]})
            condition |= step
        return condition

    def read_cursor(self, request):
        name = self.cursor_query_param
        if name not in request.query_params:
            return None
        raw = request.query_params[name].strip()
        if not raw:
            raise InvalidParameter(name, blank_message(name))
        try:
            at, pk = json.loads(base64.urlsafe_b64decode(raw.encode("ascii") + b"==="))
            at = datetime.datetime.fromisoformat(at)
            if at.tzinfo is None or not isinstance(pk, int) or isinstance(pk, bool) or not 0 < pk < 2**63:
                raise ValueError(pk)
        except (ValueError, TypeError, UnicodeError, binascii.Error):
            raise InvalidParameter(name, _("This cursor is not one the list gave: follow “next”.")) from None
        return at, pk

    def make_cursor(self, row):
        values = [row.created_at.isoformat(), row.pk]
        return base64.urlsafe_b64encode(json.dumps(values).encode()).decode("ascii").rstrip("=")

    def get_next_link(self):
        if not self.keyset:
            return super().get_next_link()
        if not self.more:
            return None
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.cursor_query_param, self.make_cursor(self.rows[-1]))

    def get_paginated_response(self, data):
        if not self.keyset:
            return super().get_paginated_response(data)
        return Response({"next": self.get_next_link(), "results": data})

    def get_paginated_response_schema(self, schema):
        numbered = super().get_paginated_response_schema(schema)
        numbered["required"] = ["results"]
        numbered["properties"]["count"]["description"] = "only when a page is asked for by number"
        return numbered

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["description"] = "numbered pages, counted (for old clients); follow `next` instead"
        cursor = {
            "name": self.cursor_query_param,
            "required": False,
            "in": "query",
            "description": "where the page starts: the cursor in the previous page's `next`",
            "schema": {"type": "string"},
        }
        return [cursor, *parameters]
