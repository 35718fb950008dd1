import pytest

from disputes import categories
from disputes.models import Category, StageLimit
from disputes.workflow import stage_limit

pytestmark = pytest.mark.django_db


def test_the_standard_tree_is_installed_by_migration():
    assert Category.objects.filter(level=1).count() == len(categories.TREE)
    for code, name in [
        ("11", "邻里纠纷"),
        ("13", "土地承包经营纠纷"),
        ("1501", "征地补偿纠纷"),
        ("50", "安全隐患"),
        ("52", "环境卫生"),
        ("53", "民生诉求"),
        ("54", "消防安全"),
        ("100203", "继承纠纷"),
    ]:
        assert Category.objects.get(code=code).name == name
    for category in Category.objects.select_related("parent"):
        category.full_clean()  # levels and kinds agree with the parents


def test_minor_categories_inherit_their_major_category_limits():
    assert stage_limit(Category.objects.get(code="110102"), "handle") == (15, "working_days")
    assert stage_limit(Category.objects.get(code="5201"), "handle") == (8, "working_hours")
    assert stage_limit(Category.objects.get(code="1501"), "handle") == (20, "working_days")


def test_loading_again_keeps_an_administrators_edits():
    category = Category.objects.get(code="11")
    category.name = "邻里矛盾"
    category.save()
    limit = StageLimit.objects.get(category=category, stage="handle")
    limit.amount = 7
    limit.save()
    assert categories.load(Category, StageLimit) == 0
    assert Category.objects.get(code="11").name == "邻里矛盾"
    assert stage_limit(Category.objects.get(code="110101"), "handle") == (7, "working_days")
