"""RSS 2.0 and Atom feeds, for all kinds and per kind, read back with an XML parser as a feed
reader would (issue 16, point 3)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from email.utils import parsedate_to_datetime

import pytest
from django.urls import reverse

from bulletins import services
from bulletins.models import KIND_SLUGS, Kind

from .content_world import content, correct, draft, editors, published

ATOM = "{http://www.w3.org/2005/Atom}"
SITE = "https://canhgiac.example.vn"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE


@pytest.fixture
def people(world):
    return editors(world)


def text(element: ET.Element, path: str) -> str:
    found = element.findtext(path)
    assert found is not None, path
    return found


def atom(client, url: str) -> ET.Element:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    assert "max-age=300" in response["Cache-Control"] and "public" in response["Cache-Control"]
    root = ET.fromstring(response.content)  # noqa: S314  # our own response
    assert root.tag == f"{ATOM}feed"
    return root


def rss(client, url: str) -> ET.Element:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rss+xml")
    root = ET.fromstring(response.content)  # noqa: S314  # our own response
    assert root.tag == "rss" and root.get("version") == "2.0"
    channel = root.find("channel")
    assert channel is not None
    return channel


def test_the_atom_feed_lists_published_bulletins_with_absolute_links(people, client):
    first = published(people, content=content("Cảnh báo một", summary="Tóm tắt một."))
    second = published(people, kind=Kind.FACT_CHECK, content=None)
    draft(people, content=content("Chưa đăng"))
    feed = atom(client, reverse("bulletins:feed-atom"))
    entries = feed.findall(f"{ATOM}entry")
    titles = [e.findtext(f"{ATOM}title") for e in entries]
    assert titles == [second.revisions.get().title, "Cảnh báo một"]
    one = entries[1]
    link = one.find(f"{ATOM}link")
    assert link is not None and link.get("href") == SITE + first.get_absolute_url()
    assert one.findtext(f"{ATOM}id") == SITE + first.get_absolute_url()
    assert one.findtext(f"{ATOM}summary") == "Tóm tắt một."
    assert one.findtext(f"{ATOM}author/{ATOM}name") == "Tỉnh Thử Nghiệm"
    assert one.findtext(f"{ATOM}updated") and one.findtext(f"{ATOM}published")
    self_link = [link for link in feed.findall(f"{ATOM}link") if link.get("rel") == "self"]
    assert str(self_link[0].get("href")).endswith(reverse("bulletins:feed-atom"))


def test_the_rss_feed_lists_the_same(people, client):
    bulletin = published(people, content=content("Cảnh báo RSS"))
    channel = rss(client, reverse("bulletins:feed-rss"))
    items = channel.findall("item")
    assert [i.findtext("title") for i in items] == ["Cảnh báo RSS"]
    item = items[0]
    assert item.findtext("link") == SITE + bulletin.get_absolute_url()
    assert item.findtext("guid") == SITE + bulletin.get_absolute_url()
    assert bulletin.published_at is not None
    published_at = bulletin.published_at.replace(microsecond=0)
    assert parsedate_to_datetime(text(item, "pubDate")) == published_at
    assert "Cảnh báo" in [c.text for c in item.findall("category")]


@pytest.mark.parametrize("kind", list(Kind))
def test_each_kind_has_its_own_feeds(people, client, kind):
    for other in Kind:
        published(
            people,
            kind=other,
            content=None if other == Kind.FACT_CHECK else content(f"Tin {other}"),
        )
    slug = KIND_SLUGS[kind]
    entries = atom(client, reverse("bulletins:kind-feed-atom", args=[slug])).findall(f"{ATOM}entry")
    items = rss(client, reverse("bulletins:kind-feed-rss", args=[slug])).findall("item")
    assert len(entries) == len(items) == 1
    expected = [c.text for c in items[0].findall("category")]
    assert str(kind.label) in expected
    assert {c.get("term") for c in entries[0].findall(f"{ATOM}category")} >= {str(kind.label)}


def test_an_unknown_kind_has_no_feed(client, db):
    assert client.get(reverse("bulletins:kind-feed-atom", args=["khong-co"])).status_code == 404


def test_a_correction_updates_its_entry_and_says_so(people, client):
    bulletin = published(people, content=content("Số điện thoại 0241"))
    correct(people, bulletin, note="Số đúng là 0242.", title="Số điện thoại 0242")
    entries = atom(client, reverse("bulletins:feed-atom")).findall(f"{ATOM}entry")
    assert len(entries) == 1  # one entry per bulletin, updated
    entry = entries[0]
    assert entry.findtext(f"{ATOM}title") == "[Đính chính] Số điện thoại 0242"
    assert "Số đúng là 0242." in text(entry, f"{ATOM}summary")
    assert text(entry, f"{ATOM}updated") > text(entry, f"{ATOM}published")


def test_a_withdrawn_or_scheduled_bulletin_is_not_in_the_feed(people, client):
    from datetime import timedelta

    from django.utils import timezone

    gone = published(people)
    services.withdraw(bulletin=gone, editor=people.person("editor"))
    published(people, at=timezone.now() + timedelta(days=1))
    assert atom(client, reverse("bulletins:feed-atom")).findall(f"{ATOM}entry") == []
    assert rss(client, reverse("bulletins:feed-rss")).findall("item") == []
