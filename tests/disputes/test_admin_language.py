"""Every admin page a county's administrator opens is in Chinese: model names, field labels,
inline rows — no "Case requests", no "Member_cells object (1)", no untranslated label."""

import re

import pytest
from django.contrib import admin
from django.urls import NoReverseMatch, reverse
from django.utils import translation

from tests.disputes.stories import closed

CJK = re.compile(r"[\u4e00-\u9fff]")
ACRONYM = re.compile(r"^[A-Z0-9-]+$")  # SHA-256, ID: the same in both languages
OURS = {"accounts", "assessment", "core", "demo", "disputes", "earlywarning", "grid", "ledgers", "maps", "realtime"}


def admin_models():
    """The project's models in the admin (a library's, such as the job runner's results, keep their own words)."""
    models = [model for model in admin.site._registry if model._meta.app_label in OURS]
    return sorted(models, key=lambda model: model._meta.label)


@pytest.mark.parametrize("model", admin_models(), ids=lambda model: model._meta.label)
def test_every_model_has_a_chinese_name(model):
    with translation.override("zh-hans"):
        names = [str(model._meta.verbose_name), str(model._meta.verbose_name_plural)]
        fields = {f.name: str(f.verbose_name) for f in model._meta.get_fields() if hasattr(f, "verbose_name")}
    assert all(CJK.search(name) for name in names), names
    english = {
        name: label
        for name, label in fields.items()
        if not CJK.search(label) and not ACRONYM.match(label) and name not in ("id", "seq")
    }
    assert not english, english


def test_the_admin_pages_show_no_object_placeholders(world, client):
    closed(world, world.v1_committee, world.committee)
    client.force_login(world.admin)
    seen = 0
    for model in admin_models():
        app, name = model._meta.app_label, model._meta.model_name
        try:
            url = reverse(f"admin:{app}_{name}_changelist")
        except NoReverseMatch:
            continue
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert response.status_code == 200, url
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            change = client.get(reverse(f"admin:{app}_{name}_change", args=[first.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")
            assert change.status_code == 200, model
            assert " object (" not in change.content.decode(), model
            seen += 1
    assert seen > 10
