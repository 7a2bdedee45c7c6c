"""Numbers grouped the Khmer way (CLDR km: "." groups thousands, "," marks decimals).

Pure Python (no Django). The web layer uses Django's locale formats for English and
Thai and this module's rules for Khmer, so both agree with CLDR.

    >>> format_number(1234567, khmer_digits=True)
    '១.២៣៤.៥៦៧'
    >>> format_number(Decimal("1234.5"), khmer_digits=False)
    '1.234,5'
"""

from __future__ import annotations

from decimal import Decimal

from migra.lib.khmer.digits import to_khmer_digits

GROUP_SEPARATOR = "."
DECIMAL_SEPARATOR = ","


def format_number(
    value: int | float | Decimal,
    *,
    khmer_digits: bool = False,
    decimal_places: int | None = None,
) -> str:
    """Group thousands and, if asked, round to `decimal_places` (half away from zero)."""
    if isinstance(value, bool):
        raise TypeError("a bool is not a number to show")
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    if not number.is_finite():
        raise ValueError(f"cannot format {value!r}")
    if decimal_places is not None:
        number = number.quantize(Decimal(1).scaleb(-decimal_places), rounding="ROUND_HALF_UP")
    sign = "-" if number < 0 else ""
    text = format(abs(number), "f")
    whole, _, fraction = text.partition(".")
    groups: list[str] = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    result = sign + GROUP_SEPARATOR.join(groups)
    if fraction:
        result += DECIMAL_SEPARATOR + fraction
    return to_khmer_digits(result) if khmer_digits else result
