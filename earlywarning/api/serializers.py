from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.params import MAX_INTEGER
from disputes.models import Case

from ..models import ActKind, HotCell, Warning, WarningEntry


class WarningListSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    level_display = serializers.CharField(source="get_level_display", read_only=True)
    state_display = serializers.CharField(source="get_state_display", read_only=True)
    count = serializers.SerializerMethodField()

    class Meta:
        model = Warning
        fields = [
            "id",
            "kind",
            "kind_display",
            "place_name",
            "area_code",
            "level",
            "level_display",
            "state",
            "state_display",
            "score",
            "count",
            "raised_at",
            "updated_at",
            "times_seen",
            "version",
        ]

    def get_count(self, warning) -> int | None:
        return warning.evidence.get("count")


class EntrySerializer(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField()

    class Meta:
        model = WarningEntry
        fields = ["seq", "action", "from_state", "to_state", "actor", "details", "at"]

    def get_actor(self, entry) -> str:
        user = entry.actor
        return "" if user is None else (f"{user.last_name}{user.first_name}" or user.get_username())


class WarningDetailSerializer(WarningListSerializer):
    evidence = serializers.JSONField()
    cases = serializers.SerializerMethodField()
    trail = EntrySerializer(many=True, read_only=True)
    allowed_actions = serializers.SerializerMethodField()
    linked_case = serializers.SerializerMethodField()

    class Meta(WarningListSerializer.Meta):
        fields = WarningListSerializer.Meta.fields + [
            "evidence",
            "cases",
            "study_note",
            "studied_at",
            "act_kind",
            "linked_case",
            "close_note",
            "closed_at",
            "trail",
            "allowed_actions",
        ]

    def get_cases(self, warning) -> list[dict]:
        """The cases behind the warning that the reader may see (number, category, state, when)."""
        ids = warning.evidence.get("case_ids") or []
        user = self.context["request"].user
        rows = (
            Case.objects.visible_to(user)
            .filter(pk__in=ids)
            .select_related("category")
            .only("pk", "number", "state", "created_at", "category__name")
            .order_by("-created_at")
        )
        return [
            {
                "id": c.pk,
                "number": c.number,
                "category": c.category.name,
                "state": c.state,
                "created_at": c.created_at.isoformat(),
            }
            for c in rows
        ]

    def get_linked_case(self, warning) -> dict | None:
        case = warning.linked_case
        return None if case is None else {"id": case.pk, "number": case.number}

    def get_allowed_actions(self, warning) -> list[str]:
        return self.context.get("allowed", [])


class VersionField(serializers.IntegerField):
    def __init__(self, **kw):
        super().__init__(min_value=1, max_value=MAX_INTEGER, help_text=_("the version of the warning you saw"), **kw)


class StudySerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000, help_text=_("what the study (研判) found"))
    version = VersionField()


class WarningActSerializer(serializers.Serializer):
    act = serializers.ChoiceField(choices=ActKind.choices)
    case = serializers.CharField(required=False, allow_blank=False, help_text=_("number of the case that handles it"))
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    version = VersionField()


class DismissSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)
    version = VersionField()


class HotCellSerializer(serializers.ModelSerializer):
    code = serializers.CharField(source="area_code")

    class Meta:
        model = HotCell
        fields = ["code", "z", "p", "count", "computed_at"]
