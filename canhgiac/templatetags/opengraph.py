"""Absolute addresses for the Open Graph tags of every page (base.html): a shared link shows a
title, a description and an image, under the public address CANHGIAC_SITE_URL names, never the
address the request happened to come in on."""

from django import template
from django.template.context import Context
from django.template.loader_tags import BLOCK_CONTEXT_KEY
from django.templatetags.static import static
from django.utils.html import strip_tags

from lib.links import absolute_url

register = template.Library()


@register.simple_tag
def site_url(path: str = "/") -> str:
    return absolute_url(path)


@register.simple_tag
def static_site_url(name: str) -> str:
    url = static(name)
    return url if url.startswith(("http://", "https://")) else site_url(url)


@register.simple_tag(takes_context=True)
def block_text(context: Context, name: str, default: str = "") -> str:
    """The text of block `name` as the page being rendered fills it: a block cannot appear twice
    in a template, and og:title must say what <title> says."""
    block_context = context.render_context.get(BLOCK_CONTEXT_KEY)
    block = block_context.get_block(name) if block_context else None
    if block is None:
        return default
    return strip_tags(block.nodelist.render(context)).strip()
