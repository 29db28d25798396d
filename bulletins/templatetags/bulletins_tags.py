"""Template helpers of the bulletins pages."""

from __future__ import annotations

import json
from typing import Any

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

# In a <script> element only "</script" ends it; escaping <, > and & (as Django's json_script
# does) keeps any text an editor wrote inside the JSON.
_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


@register.simple_tag
def ld_json(data: dict[str, Any]) -> SafeString:
    """A schema.org JSON-LD block."""
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(_ESCAPES)
    return mark_safe(f'<script type="application/ld+json">{text}</script>')  # noqa: S308  # escaped above
