from django import template

register = template.Library()


@register.filter
def vnd(value) -> str:
    """5000000 -> "5.000.000" (Vietnamese thousands separator)."""
    if value in (None, ""):
        return "—"
    try:
        return f"{int(value):,}".replace(",", ".")
    except (TypeError, ValueError):
        return "—"
