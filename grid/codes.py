"""Official area codes (统计用区划代码) and grid-cell codes.

A region code has 12 digits: 6 for the county, 3 for the township, 3 for the
village. A county code ends in six zeros, a township code in three. The codes
nest, so a region's subtree is every code that starts with its prefix. A grid
cell's code is its village's code followed by a 3-digit sequence number.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

COUNTY = "county"
TOWNSHIP = "township"
VILLAGE = "village"
CELL = "cell"

PREFIX_LENGTH = {COUNTY: 6, TOWNSHIP: 9, VILLAGE: 12, CELL: 15}
CELL_CODE_LENGTH = 15

_DIGITS = re.compile(r"^\d+$")


def normalize_region_code(raw):
    """Return the 12-digit form of a region code; 6- and 9-digit forms are padded."""
    code = str(raw).strip() if raw is not None else ""
    if code.endswith(".0"):  # numeric attribute columns come back as floats
        code = code[:-2]
    if not _DIGITS.match(code) or len(code) not in (6, 9, 12):
        raise ValidationError(
            _("“%(code)s” is not a region code: expected 6, 9 or 12 digits."),
            code="invalid_code",
            params={"code": code},
        )
    return code.ljust(12, "0")


def region_level(code):
    """The level a 12-digit region code denotes."""
    if code[6:] == "000000":
        return COUNTY
    if code[6:9] == "000":
        raise ValidationError(
            _("“%(code)s” is not a valid region code: a village code needs a township part."),
            code="invalid_code",
            params={"code": code},
        )
    return TOWNSHIP if code[9:] == "000" else VILLAGE


def region_prefix(code, level):
    return code[: PREFIX_LENGTH[level]]


def parent_code(code, level):
    """The code of the parent region implied by a code (None for a county)."""
    if level == COUNTY:
        return None
    if level == TOWNSHIP:
        return code[:6] + "000000"
    if level == VILLAGE:
        return code[:9] + "000"
    return code[:12]


def normalize_cell_code(raw):
    code = str(raw).strip() if raw is not None else ""
    if code.endswith(".0"):
        code = code[:-2]
    if not _DIGITS.match(code) or len(code) != CELL_CODE_LENGTH or region_level(code[:12]) != VILLAGE:
        raise ValidationError(
            _("“%(code)s” is not a grid-cell code: expected the 12-digit village code and a 3-digit sequence."),
            code="invalid_code",
            params={"code": code},
        )
    return code
