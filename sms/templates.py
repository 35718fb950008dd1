"""The messages the product sends. Providers send only registered templates (a template id and
its parameters, in order); the console and file backends print the text below.

The provider's id of each template comes from settings.SMS_TEMPLATE_IDS (name → id).
"""

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from core.errors import InvalidInput


@dataclass(frozen=True)
class Template:
    params: tuple
    text: str


TEMPLATES = {
    # 您反映的事项已受理，编号{1}，查询码{2}。
    "case_received": Template(
        ("number", "code"), _("Your report has been received: number %(number)s, verification code %(code)s.")
    ),
    # 您反映的事项{1}已办结，请评价：{2}
    "case_closed": Template(
        ("number", "link"), _("Your matter %(number)s has been dealt with. Please rate it: %(link)s")
    ),
    # 您的验证码为{1}，10分钟内有效。
    "verification_code": Template(("code",), _("Your verification code is %(code)s; it is valid for 10 minutes.")),
    "task_new": Template(("number", "category"), _("New task %(number)s (%(category)s).")),
    "deadline_warning": Template(("number", "due"), _("Case %(number)s is due by %(due)s.")),
}


def get(name):
    try:
        return TEMPLATES[name]
    except KeyError:
        raise InvalidInput(fields={"template": [str(_("Unknown SMS template."))]}) from None


def provider_id(name):
    return (getattr(settings, "SMS_TEMPLATE_IDS", None) or {}).get(name, "")


def ordered_params(name, params):
    """The parameters in the template's order, as strings (providers take a list)."""
    return [str(params.get(key, "")) for key in get(name).params]


def render(name, params):
    return str(get(name).text) % {key: params.get(key, "") for key in get(name).params}
