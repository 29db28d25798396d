"""RSS 2.0 and Atom feeds of published bulletins, for all kinds and per kind (Django's
syndication framework). Links are on SITE_URL; an item's text is its latest published
revision, and a correction shows its note first."""

from __future__ import annotations

from datetime import datetime

from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed, SyndicationFeed
from django.utils.translation import gettext as _

from lib.links import absolute_url

from .models import KIND_SLUGS, SLUG_KINDS, Bulletin, Kind, Revision

FEED_SIZE = 30
# Readers poll feeds often; a correction shows within five minutes. (The pages are not cached
# publicly: they carry the language switcher's CSRF token.)
FEED_MAX_AGE = 300


def latest_published(kind: str | None = None) -> list[tuple[Bulletin, Revision]]:
    bulletins = Bulletin.objects.public().select_related("unit").with_public_revisions()
    if kind:
        bulletins = bulletins.filter(kind=kind)
    pairs = []
    for bulletin in bulletins.order_by("-published_at", "-pk")[:FEED_SIZE]:
        revision = bulletin.published_revision()
        if revision is not None:
            pairs.append((bulletin, revision))
    return pairs


class AllRss(Feed):  # type: ignore[type-arg]  # django-stubs: Feed is generic
    feed_type: type[SyndicationFeed] = Rss201rev2Feed
    kind: str | None = None

    def __call__(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        response = super().__call__(request, *args, **kwargs)
        patch_cache_control(response, public=True, max_age=FEED_MAX_AGE)
        patch_vary_headers(response, ["Cookie"])  # the language cookie picks the labels
        return response

    def get_object(self, request: HttpRequest, *args: object, **kwargs: object) -> str | None:
        return None

    def title(self, obj: str | None) -> str:
        if obj:
            return _("Cảnh Giác: %(kind)s") % {"kind": Kind(obj).label}
        return _("Cảnh Giác: cảnh báo và bản tin")

    def link(self, obj: str | None) -> str:
        path = reverse("bulletins:list") + (f"?loai={KIND_SLUGS[Kind(obj)]}" if obj else "")
        return absolute_url(path)

    def description(self, obj: str | None) -> str:
        return _("Cảnh báo lừa đảo, kiểm chứng thông tin và bản tin của mạng lưới Cảnh Giác.")

    def author_name(self) -> str:
        return _("Cảnh Giác")

    def items(self, obj: str | None) -> list[tuple[Bulletin, Revision]]:
        return latest_published(obj)

    def item_title(self, item: tuple[Bulletin, Revision]) -> str:
        bulletin, revision = item
        prefix = _("[Đính chính] ") if revision.is_correction else ""
        return f"{prefix}{revision.title}"

    def item_description(self, item: tuple[Bulletin, Revision]) -> str:
        _bulletin, revision = item
        if revision.is_correction and revision.correction_note:
            note = _("Đính chính: %(note)s") % {"note": revision.correction_note}
            return f"{note}\n\n{revision.summary}"
        return revision.summary

    def item_link(self, item: tuple[Bulletin, Revision]) -> str:
        return absolute_url(item[0].get_absolute_url())

    def item_guid(self, item: tuple[Bulletin, Revision]) -> str:
        # One entry per bulletin, updated by corrections: readers show it again as changed.
        return absolute_url(item[0].get_absolute_url())

    item_guid_is_permalink = True

    def item_pubdate(self, item: tuple[Bulletin, Revision]) -> datetime | None:
        return item[0].published_at

    def item_updateddate(self, item: tuple[Bulletin, Revision]) -> datetime | None:
        return item[1].published_at

    def item_author_name(self, item: tuple[Bulletin, Revision]) -> str:
        return item[0].unit.name

    def item_categories(self, item: tuple[Bulletin, Revision]) -> list[str]:
        bulletin = item[0]
        return [str(Kind(bulletin.kind).label), *bulletin.tags]


class AllAtom(AllRss):
    feed_type = Atom1Feed

    def subtitle(self, obj: str | None) -> str:
        return self.description(obj)


class _ByKind:
    def get_object(self, request: HttpRequest, *args: object, **kwargs: object) -> str:
        kind = SLUG_KINDS.get(str(kwargs.get("kind", "")))
        if kind is None:
            raise Http404
        return kind


class KindRss(_ByKind, AllRss):
    pass


class KindAtom(_ByKind, AllAtom):
    pass
