from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..models import Level, Order, Reason, Reply


def _person(user):
    if user is None:
        return None
    return user.get_full_name() or user.get_username()


class ReplySerializer(serializers.ModelSerializer):
    by = serializers.SerializerMethodField()
    unit = serializers.CharField(source="unit.name", read_only=True, allow_null=True, default=None)

    class Meta:
        model = Reply
        fields = ["id", "by", "unit", "text", "at"]

    def get_by(self, reply) -> str:
        return _person(reply.by)


class OrderSerializer(serializers.ModelSerializer):
    case = serializers.IntegerField(source="case_id", read_only=True)
    case_number = serializers.CharField(source="case.number", read_only=True)
    reason_display = serializers.CharField(source="get_reason_display", read_only=True)
    level_display = serializers.CharField(source="get_level_display", read_only=True)
    state_display = serializers.CharField(source="get_state_display", read_only=True)
    issued_by = serializers.SerializerMethodField(help_text=_("empty when the system issued it"))
    issuing_unit = serializers.CharField(source="issuing_unit.name", read_only=True, allow_null=True, default=None)
    region = serializers.CharField(source="region.name", read_only=True)
    unit = serializers.CharField(source="unit.name", read_only=True, allow_null=True, default=None)
    replies = ReplySerializer(many=True, read_only=True)
    allowed = serializers.SerializerMethodField(help_text=_("what you may do with it now: reply, close"))

    class Meta:
        model = Order
        fields = [
            "id",
            "case",
            "case_number",
            "reason",
            "reason_display",
            "level",
            "level_display",
            "state",
            "state_display",
            "required",
            "days",
            "issued_at",
            "due_at",
            "reminded_at",
            "replied_at",
            "closed_at",
            "issued_by",
            "issuing_unit",
            "region",
            "unit",
            "replies",
            "allowed",
        ]

    def get_issued_by(self, order) -> str | None:
        return _person(order.issued_by)

    def get_allowed(self, order) -> list[str]:
        return self.context["allowed"](order)


class CaseIssueSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=Reason.choices)
    required = serializers.CharField(max_length=2000, help_text=_("what the handling unit must do"))
    days = serializers.IntegerField(min_value=1, max_value=30, help_text=_("working days to reply"))
    level = serializers.ChoiceField(choices=Level.choices)


class IssueSerializer(CaseIssueSerializer):
    case = serializers.IntegerField(min_value=1, help_text=_("the case's id"))


class CaseOrdersSerializer(serializers.Serializer):
    may_issue = serializers.BooleanField(help_text=_("whether you may issue an order on this case"))
    orders = OrderSerializer(many=True)


class ReplyInputSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=2000, help_text=_("what the unit did"))
