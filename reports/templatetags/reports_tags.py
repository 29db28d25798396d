from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def vnd(value: object) -> str:
    """5000000 -> "5.000.000" (Vietnamese thousands separator)."""
    if value in (None, "") or not isinstance(value, int | float | str | Decimal):
        return "—"  # nothing, or what int() would refuse anyway
    try:
        return f"{int(value):,}".replace(",", ".")
    except (TypeError, ValueError):
        return "—"


@register.filter
def code_groups(value: object) -> str:
    """ "ABCDEFGHJKMN" -> "ABCD-EFGH-JKMN": a tracking code read out or copied by hand in groups
    of four; the tracking page accepts it with or without the dashes."""
    code = str(value or "")
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))
