"""Counts shown to people who may not see the records behind them (donor viewers,
the public): a small number could point at someone, so 1 to 4 is shown as "< 5"."""

from __future__ import annotations

from django.utils.translation import gettext as _

SMALL_CELL = 5


def shown(value: int, *, masked: bool) -> str:
    """A count as shown: under 5 (but not 0) is "< 5" when `masked`."""
    if masked and 0 < value < SMALL_CELL:
        return _("< 5")
    return f"{value:,}"
