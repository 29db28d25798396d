"""Sanitising drill HTML: mail bodies and landing pages. A leaf module (nh3 only).

A landing page keeps its look but loses every way to send what is typed: no `name` on fields
(a browser submits only named fields), no `action`/`method`, no scripts, no event handlers.
The page's own script (h17b's static file) reports only that the form was submitted.
"""

from __future__ import annotations

import nh3

_TEXT_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "ul", "ol", "li", "strong", "em", "b", "i", "a",
    "span", "div", "table", "tbody", "tr", "td", "th", "img", "small",
}  # fmt: skip
_FORM_TAGS = {"form", "label", "input", "button", "select", "option", "fieldset", "legend"}
_MAIL_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "width", "height"}}
_PAGE_ATTRIBUTES = {
    "*": {"class"},
    "input": {"type", "autocomplete", "inputmode", "placeholder", "size"},
    "button": {"type"},
    "img": {"src", "alt", "width", "height"},
}
_URL_SCHEMES = {"https", "http", "mailto"}


def clean_mail_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=_TEXT_TAGS,
        attributes=_MAIL_ATTRIBUTES,
        url_schemes=_URL_SCHEMES,
        link_rel=None,
        strip_comments=True,
    )


def clean_landing_html(html: str) -> str:
    """Keep structure and form controls; drop names, actions, scripts and handlers. The
    `data-drill-form` marker tells the page's script which form to watch."""
    cleaned = nh3.clean(
        html,
        tags=_TEXT_TAGS | _FORM_TAGS,
        attributes=_PAGE_ATTRIBUTES,
        generic_attribute_prefixes={"data-drill-"},
        url_schemes=_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    return cleaned
