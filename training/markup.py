"""Markdown rendered and sanitised for lessons: a leaf module (Django and the two libraries
only), so that models and the content loader both use it without importing each other."""

from __future__ import annotations

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe

MAX_MARKDOWN_CHARS = 50_000

# A small set: structure and emphasis, links, tables. No images (a lesson never loads third-party
# content), no scripts, no style or event attributes.
ALLOWED_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "ul", "ol", "li", "strong", "em", "b", "i",
    "a", "blockquote", "code", "pre", "table", "thead", "tbody", "tr", "th", "td", "abbr",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}}
URL_SCHEMES = {"https", "http", "mailto", "tel"}


def render_markdown(text: str) -> SafeString:
    """Markdown to HTML that is safe to put in a page, whoever wrote the Markdown."""
    html = markdown.markdown(text[:MAX_MARKDOWN_CHARS], extensions=["sane_lists", "tables"])
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    return mark_safe(clean)  # noqa: S308 (sanitised by nh3 just above)
