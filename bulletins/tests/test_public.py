"""The public pages: /canh-bao/ (newest first, filters, pages), each bulletin's page with its
Open Graph tags, and the ClaimReview JSON-LD of fact-checks (issue 16, point 3)."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone

from bulletins import services
from bulletins.models import Bulletin, Kind
from bulletins.views import PAGE_SIZE
from reports.models import ScamType

from .content_world import content, correct, editors, published


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SITE_URL = "https://canhgiac.example.vn"


@pytest.fixture
def people(world):
    return editors(world)


class Head(HTMLParser):
    """The <meta property=...> tags, JSON-LD blocks and card titles of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.meta: dict[str, str] = {}
        self.ld: list[dict] = []
        self._in_ld = False
        self.titles: list[str] = []
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "meta" and a.get("property"):
            self.meta[a["property"]] = a.get("content") or ""
        self._in_ld = tag == "script" and a.get("type") == "application/ld+json"
        self._in_title = tag == "a" and self.titles is not None and self._card_heading
        self._card_heading = tag == "h2"

    _card_heading = False

    def handle_data(self, data):
        if self._in_ld:
            self.ld.append(json.loads(data))
        elif self._in_title:
            self.titles.append(data.strip())

    def handle_endtag(self, tag):
        self._in_ld = False
        self._in_title = False


def parse(response) -> Head:
    head = Head()
    head.feed(response.content.decode())
    return head


def _age(bulletin: Bulletin, hours: int) -> None:
    when = timezone.now() - timedelta(hours=hours)
    Bulletin.objects.filter(pk=bulletin.pk).update(published_at=when)
    bulletin.revisions.update(published_at=when)


def test_the_list_shows_published_bulletins_newest_first(people, client):
    old = published(people, content=content("Bản tin cũ"))
    new = published(people, content=content("Bản tin mới"))
    _age(old, 5)
    _age(new, 1)
    services.create_bulletin(
        kind=Kind.WARNING,
        unit=people.unit("P"),
        author=people.person("editor"),
        content=content("Bản nháp"),
    )
    response = client.get(reverse("bulletins:list"))
    assert response.status_code == 200
    assert parse(response).titles == ["Bản tin mới", "Bản tin cũ"]


def test_the_list_filters_by_kind_scam_type_and_unit(people, client):
    published(
        people,
        content=content("Cảnh báo SMS"),
        scam_type=ScamType.FAKE_BANK_SMS,
        units=[people.unit("D1-C1")],
    )
    published(
        people,
        content=content("Cảnh báo việc nhẹ"),
        scam_type=ScamType.JOB_TASK,
        units=[people.unit("D2")],
    )
    published(people, kind=Kind.STORY, content=content("Gương tốt"), units=[people.unit("D1")])
    url = reverse("bulletins:list")
    assert parse(client.get(url, {"loai": "guong-dien-hinh"})).titles == ["Gương tốt"]
    assert parse(client.get(url, {"hinh-thuc": ScamType.JOB_TASK})).titles == ["Cảnh báo việc nhẹ"]
    # A unit's filter takes what concerns it and the units below it.
    assert sorted(parse(client.get(url, {"don-vi": "D1"})).titles) == ["Cảnh báo SMS", "Gương tốt"]
    assert len(parse(client.get(url, {"loai": "khong-co", "hinh-thuc": "x"})).titles) == 3


def test_the_list_has_pages(people, client):
    for n in range(PAGE_SIZE + 3):
        published(people, content=content(f"Tin {n:02d}"))
    first = parse(client.get(reverse("bulletins:list")))
    second_response = client.get(reverse("bulletins:list"), {"trang": 2})
    second = parse(second_response)
    assert len(first.titles) == PAGE_SIZE and len(second.titles) == 3
    assert not set(first.titles) & set(second.titles)
    assert 'rel="prev"' in second_response.content.decode()


def test_a_bulletin_page_has_open_graph_tags(people, client):
    bulletin = published(
        people,
        content=content(
            "Cảnh báo cuộc gọi giả công an", summary="Công an không gọi để yêu cầu chuyển tiền."
        ),
    )
    from .test_content import _jpeg_with_gps

    services.add_image(
        bulletin=bulletin, editor=people.person("editor"), upload=_jpeg_with_gps(), alt="Ảnh"
    )
    meta = parse(client.get(bulletin.get_absolute_url())).meta
    assert meta["og:title"] == "Cảnh báo cuộc gọi giả công an"
    assert meta["og:description"] == "Công an không gọi để yêu cầu chuyển tiền."
    assert meta["og:type"] == "article"
    assert meta["og:url"] == "https://canhgiac.example.vn" + bulletin.get_absolute_url()
    image = bulletin.images.get()
    assert meta["og:image"] == "https://canhgiac.example.vn" + image.get_absolute_url()
    served = client.get(image.get_absolute_url())
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    assert b"".join(served.streaming_content).startswith(b"\xff\xd8")
    assert meta["article:published_time"].startswith(str(timezone.localdate().year))


def test_a_fact_check_carries_claim_review_json_ld(people, client):
    bulletin = published(people, kind=Kind.FACT_CHECK)
    revision = bulletin.revisions.get()
    blocks = parse(client.get(bulletin.get_absolute_url())).ld
    assert len(blocks) == 1
    review = blocks[0]
    assert review["@context"] == "https://schema.org" and review["@type"] == "ClaimReview"
    assert review["url"] == "https://canhgiac.example.vn" + bulletin.get_absolute_url()
    assert review["claimReviewed"] == revision.claim
    assert review["itemReviewed"]["@type"] == "Claim"
    assert review["itemReviewed"]["datePublished"] == "2026-11-20"
    assert review["itemReviewed"]["appearance"]["@type"] == "CreativeWork"
    rating = review["reviewRating"]
    assert rating["@type"] == "Rating"
    assert (rating["ratingValue"], rating["bestRating"], rating["worstRating"]) == (1, 5, 1)
    assert rating["alternateName"] == "Sai sự thật"
    assert review["author"] == {
        "@type": "Organization",
        "name": "Tỉnh Thử Nghiệm",
        "url": "https://canhgiac.example.vn/",
    }
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", review["datePublished"])
    assert review["citation"] == [
        {
            "@type": "CreativeWork",
            "url": "https://moh.gov.vn/tin-tuc/1",
            "name": "Bộ Y tế",
            "datePublished": "2026-11-21",
        }
    ]


def test_json_ld_cannot_be_closed_by_what_an_editor_writes(people, client):
    bulletin = published(
        people,
        kind=Kind.FACT_CHECK,
        content=content(
            claim='Lời đồn </script><script>alert(1)</script> & "trích dẫn"',
            rating="misleading",
            sources=[services.SourceInput("https://a.gov.vn/x", timezone.localdate(), "A")],
        ),
    )
    page = client.get(bulletin.get_absolute_url()).content.decode()
    assert "<script>alert(1)" not in page
    review = parse(client.get(bulletin.get_absolute_url())).ld[0]
    assert review["claimReviewed"].startswith("Lời đồn </script><script>")
    assert review["reviewRating"]["ratingValue"] == 2


def test_other_kinds_carry_no_claim_review(people, client):
    bulletin = published(people)
    assert parse(client.get(bulletin.get_absolute_url())).ld == []


def test_a_corrected_bulletin_shows_its_note_and_keeps_the_old_text(people, client):
    bulletin = published(people, content=content("Số tài khoản 0123"))
    correct(people, bulletin, note="Số tài khoản đúng là 0124.", title="Số tài khoản 0124")
    page = client.get(bulletin.get_absolute_url()).content.decode()
    assert "Số tài khoản đúng là 0124." in page and "Số tài khoản 0124" in page
    assert 'data-testid="correction"' in page
    old = client.get(reverse("bulletins:revision", args=[bulletin.slug, 1]))
    assert old.status_code == 200 and "Số tài khoản 0123" in old.content.decode()
    assert 'rel="canonical"' in old.content.decode()
    assert client.get(reverse("bulletins:revision", args=[bulletin.slug, 3])).status_code == 404


def test_a_withdrawn_bulletin_is_gone(people, client):
    bulletin = published(people)
    services.withdraw(bulletin=bulletin, editor=people.person("editor_2"))
    assert client.get(bulletin.get_absolute_url()).status_code == 404
    assert parse(client.get(reverse("bulletins:list"))).titles == []


def test_the_list_and_the_feeds_take_a_fixed_number_of_queries(
    people, client, django_assert_max_num_queries
):
    for _n in range(PAGE_SIZE):
        published(people)
    for url in (reverse("bulletins:list"), reverse("bulletins:feed-atom")):
        with django_assert_max_num_queries(6):  # not one per bulletin
            assert client.get(url).status_code == 200


def test_images_of_unpublished_bulletins_are_not_public(people, client):
    from .content_world import draft
    from .test_content import _jpeg_with_gps

    bulletin = draft(people)
    image = services.add_image(
        bulletin=bulletin, editor=people.person("editor"), upload=_jpeg_with_gps(), alt="Ảnh"
    )
    assert client.get(image.get_absolute_url()).status_code == 404
    staff_url = reverse("bulletins:staff-image-file", args=[image.pk])
    assert client.get(staff_url).status_code == 302


# Properties schema.org defines on each type we emit (with those they inherit from
# CreativeWork and Thing), and what Google's fact-check guidelines require of a ClaimReview.
SCHEMA_PROPERTIES = {
    "ClaimReview": {
        "claimReviewed", "itemReviewed", "reviewRating", "author", "datePublished", "url",
        "inLanguage", "name", "headline", "citation",
    },
    "Claim": {"text", "appearance", "firstAppearance", "datePublished", "author", "name"},
    "CreativeWork": {"name", "url", "datePublished", "author"},
    "Rating": {"ratingValue", "bestRating", "worstRating", "alternateName", "ratingExplanation"},
    "Organization": {"name", "url", "logo"},
}  # fmt: skip
REQUIRED = {"ClaimReview": {"claimReviewed", "reviewRating", "url", "author"}}


def _check_node(node: dict) -> None:
    kind = node["@type"]
    assert kind in SCHEMA_PROPERTIES, kind
    keys = set(node) - {"@type", "@context"}
    assert keys <= SCHEMA_PROPERTIES[kind], (kind, keys - SCHEMA_PROPERTIES[kind])
    assert REQUIRED.get(kind, set()) <= keys
    for value in node.values():
        for one in value if isinstance(value, list) else [value]:
            if isinstance(one, dict):
                _check_node(one)
            else:
                assert one not in (None, ""), node


@pytest.mark.parametrize("rating", ["true", "mostly_true", "mixed", "misleading", "false"])
def test_claim_review_uses_only_schema_org_properties_and_the_fixed_scale(people, client, rating):
    body = content(
        claim="Một thông tin lan truyền",
        rating=rating,
        sources=[services.SourceInput("https://a.gov.vn/x", timezone.localdate(), "A")],
    )
    bulletin = published(people, kind=Kind.FACT_CHECK, content=body)
    review = parse(client.get(bulletin.get_absolute_url())).ld[0]
    _check_node(review)
    value = review["reviewRating"]
    assert value["worstRating"] <= value["ratingValue"] <= value["bestRating"]
    assert isinstance(value["ratingValue"], int)
