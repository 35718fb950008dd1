"""Resident ID numbers (GB 11643-1999) and masking of personal data."""

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_CHECK = "10X98765432"
_FORMAT = re.compile(r"^\d{17}[\dX]$")


def check_digit(first17):
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def validate_id_number(value):
    """An 18-character ID number: region code, birth date, sequence, and the ISO 7064 check digit."""
    value = (value or "").strip().upper()
    if not _FORMAT.match(value):
        raise ValidationError(_("An ID number has 17 digits followed by a digit or X."), code="id_format")
    try:
        datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise ValidationError(_("The ID number holds no valid birth date."), code="id_birth_date") from None
    if check_digit(value[:17]) != value[17]:
        raise ValidationError(_("The ID number's check digit is wrong: please check it."), code="id_check_digit")


def mask(value, head=3, tail=4):
    """Keep the first `head` and last `tail` characters: 110***********123X, 138****5678."""
    if not value:
        return value
    if len(value) <= head + tail:
        return "*" * len(value)
    return value[:head] + "*" * (len(value) - head - tail) + value[-tail:]
