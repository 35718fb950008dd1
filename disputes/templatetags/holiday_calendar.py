from django import template

from disputes import holidays

register = template.Library()


@register.simple_tag
def holiday_calendar_warning():
    """The loud warning while next year's holidays are missing (from 1 November), else ""."""
    return holidays.warning() or ""
