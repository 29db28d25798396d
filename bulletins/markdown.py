"""Editors write Markdown; the public reads HTML that nh3 has cleaned. Markdown lets raw HTML
through, so the sanitiser, not the Markdown options, is what makes it safe: only the tags and
attributes of the lessons (training.markup) and images survive, links get rel="noopener
noreferrer nofollow", and only http, https, mailto and tel addresses are kept."""

from __future__ import annotations

import markdown as md
import nh3

from training import markup

# The lessons' set (training.markup), plus the images a bulletin shows.
ALLOWED_TAGS = markup.ALLOWED_TAGS | {"img"}
ALLOWED_ATTRIBUTES = {**markup.ALLOWED_ATTRIBUTES, "img": {"src", "alt", "title"}}
URL_SCHEMES = markup.URL_SCHEMES
# Images only from this site (a bulletin's own uploads, /canh-bao/anh/<id>/): an image from
# elsewhere would tell another server who reads the bulletin, and the CSP would block it anyway.
OWN_IMAGES = "/canh-bao/anh/"


def render(text: str) -> str:
    """Safe HTML for the Markdown `text`."""
    html = md.markdown(text or "", extensions=["tables", "sane_lists"], output_format="html")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        attribute_filter=_own_images_only,
    )


def _own_images_only(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src" and not value.startswith(OWN_IMAGES):
        return None
    return value


def plain_text(html: str) -> str:
    """The text of sanitised HTML, for feeds' summaries and posts without markup."""
    return nh3.clean(html, tags=set()).strip()
