"""Thin views over supervision orders: the list for the issuing centre, one order, the orders of a
case, and the acts (issue, reply, close). Every queryset starts from `Order.objects.visible_to(user)`
(the orders of the cases the user sees): an order out of sight is 404, one the user sees but may
not act on is 403 (raised by the verb)."""

import django_filters
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api_errors import ERRORS
from core.pagination import Pages
from core.params import FlagFilter, ParamFilterSet
from disputes.api.views import Authenticated
from disputes.models import Case

from .. import services
from ..models import AWAITING_REPLY, Level, Order, OrderState, Reason, Reply
from . import serializers as s


class OrderFilter(ParamFilterSet):
    state = django_filters.MultipleChoiceFilter(choices=OrderState.choices, help_text=_("repeat for several states"))
    reason = django_filters.MultipleChoiceFilter(choices=Reason.choices)
    level = django_filters.MultipleChoiceFilter(choices=Level.choices)
    awaiting = FlagFilter(method="filter_awaiting", help_text=_("a reply is still owed"))
    mine = FlagFilter(method="filter_mine", help_text=_("issued in the regions you supervise (your centre's orders)"))

    class Meta:
        model = Order
        fields = []

    def filter_awaiting(self, qs, name, value):
        if value is None:
            return qs
        return qs.filter(state__in=AWAITING_REPLY) if value else qs.exclude(state__in=AWAITING_REPLY)

    def filter_mine(self, qs, name, value):
        return qs.of_centre(self.request.user) if value else qs


def allowed_for(user):
    def allowed(order):
        acts = []
        if services.may_reply(user, order):
            acts.append("reply")
        if services.may_close(user, order):
            acts.append("close")
        return acts

    return allowed


def orders_of(user):
    return (
        Order.objects.visible_to(user)
        .select_related("case__current_unit", "issued_by", "issuing_unit", "region", "unit")
        .prefetch_related(Prefetch("replies", queryset=Reply.objects.select_related("by", "unit")))
    )


ACT_RESPONSES = {200: OpenApiResponse(s.OrderSerializer, description=_("done; the order now")), **ERRORS}


@extend_schema_view(
    list=extend_schema(
        summary=_("Supervision orders (督办) on the cases you see, the latest first"),
        responses={200: s.OrderSerializer(many=True)},
    ),
    retrieve=extend_schema(
        summary=_("One supervision order with its replies"), responses={200: s.OrderSerializer, 404: ERRORS[404]}
    ),
)
class OrderViewSet(Authenticated, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = s.OrderSerializer
    lookup_value_regex = r"\d+"
    filterset_class = OrderFilter
    pagination_class = Pages

    def get_queryset(self):
        return orders_of(self.request.user).order_by("-issued_at", "-pk")

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "allowed": allowed_for(self.request.user)}

    def order_response(self, pk, status_code=status.HTTP_200_OK):
        order = get_object_or_404(orders_of(self.request.user), pk=pk)
        return Response(s.OrderSerializer(order, context=self.get_serializer_context()).data, status=status_code)

    def validated(self, serializer_class):
        data = serializer_class(data=self.request.data)
        data.is_valid(raise_exception=True)
        return dict(data.validated_data)

    @extend_schema(
        summary=_("Issue a supervision order (督办) on a case you supervise"),
        request=s.IssueSerializer,
        responses={201: s.OrderSerializer, **ERRORS},
    )
    def create(self, request):
        values = self.validated(s.IssueSerializer)
        case = Case.objects.visible_to(request.user).filter(pk=values.pop("case")).first()
        if case is None:
            raise serializers.ValidationError({"case": [_("You can see no case with this id.")]})
        order = services.issue(case, by=request.user, **values)
        return self.order_response(order.pk, status.HTTP_201_CREATED)

    @extend_schema(
        summary=_("The addressed unit replies to an order"), request=s.ReplyInputSerializer, responses=ACT_RESPONSES
    )
    @action(detail=True, methods=["post"], serializer_class=s.ReplyInputSerializer)
    def reply(self, request, pk=None):
        order = get_object_or_404(Order.objects.visible_to(request.user).select_related("case"), pk=pk)
        services.reply(order, by=request.user, **self.validated(s.ReplyInputSerializer))
        return self.order_response(pk)

    @extend_schema(
        summary=_("The issuing side accepts the reply and closes the order"), request=None, responses=ACT_RESPONSES
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        order = get_object_or_404(Order.objects.visible_to(request.user).select_related("case"), pk=pk)
        services.close(order, by=request.user)
        return self.order_response(pk)


class CaseOrdersView(Authenticated, APIView):
    serializer_class = s.CaseIssueSerializer

    def case(self, request, pk):
        return get_object_or_404(Case.objects.visible_to(request.user), pk=pk)

    def answer(self, request, case, status_code=status.HTTP_200_OK):
        orders = orders_of(request.user).filter(case=case).order_by("-issued_at", "-pk")
        context = {"request": request, "allowed": allowed_for(request.user)}
        data = {"may_issue": services.may_issue(request.user, case), "orders": orders}
        return Response(s.CaseOrdersSerializer(data, context=context).data, status=status_code)

    @extend_schema(
        summary=_("The supervision orders of one case, the latest first, and whether you may issue one"),
        responses={200: s.CaseOrdersSerializer, 404: ERRORS[404]},
    )
    def get(self, request, pk):
        return self.answer(request, self.case(request, pk))

    @extend_schema(
        summary=_("Issue a supervision order (督办) on this case"),
        request=s.CaseIssueSerializer,
        responses={201: s.CaseOrdersSerializer, **ERRORS},
    )
    def post(self, request, pk):
        case = self.case(request, pk)
        data = s.CaseIssueSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.issue(case, by=request.user, **data.validated_data)
        return self.answer(request, case, status.HTTP_201_CREATED)
