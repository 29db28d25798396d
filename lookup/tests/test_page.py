import re

import pytest
from django.urls import reverse

from lookup import views
from reports.tests.factories import make_report

from .helpers import LISTED_DOMAIN, build_list

pytestmark = pytest.mark.django_db

URL = "/kiem-tra/"


@pytest.fixture
def listed():
    return build_list()


def verdicts(html: str) -> list[str]:
    return re.findall(r'data-testid="verdict" data-status="(\w+)"', html)


def test_the_page_is_named_and_has_one_labelled_box(client):
    assert reverse("lookup:check") == URL
    response = client.get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert '<label for="q">' in html and 'id="q" name="q"' in html
    assert 'maxlength="5000"' in html
    assert 'hx-post="/kiem-tra/"' in html and 'method="post"' in html


def test_listed_value_shows_a_red_card_with_words_category_reason_since_and_reports(
    client, world, listed
):
    make_report(world.unit("D1-C1"), LISTED_DOMAIN, contact_phone="0987654321")
    html = client.get(URL, {"q": f"https://www.{LISTED_DOMAIN}/dang-nhap"}).content.decode()
    assert verdicts(html) == ["listed"]
    assert "Cảnh báo: có trong danh sách lừa đảo" in html
    assert "Giả mạo để đánh cắp thông tin đăng nhập" in html  # category label
    assert "Giả mạo trang đăng nhập Vietcombank" in html  # public reason
    assert 'data-testid="since"' in html
    assert re.search(r'data-testid="reports">\s*1 tố giác', html)
    assert reverse("reports:form") in html and reverse("reports:appeal-form") in html
    # Never the reporter's details.
    assert "Bí Mật" not in html and "0987654321" not in html and "+84987654321" not in html


def test_unknown_value_says_no_information_never_safe(client, listed):
    html = client.get(URL, {"q": "trang-binh-thuong.vn"}).content.decode()
    assert verdicts(html) == ["not_listed"]
    assert "Chưa có thông tin" in html
    assert "an toàn" not in html.lower()
    assert "tổng đài" in html  # advice
    assert reverse("reports:form") in html


def test_official_site_is_shown_as_official(client, listed):
    html = client.get(URL, {"q": "vietcombank.com.vn"}).content.decode()
    assert verdicts(html) == ["allowlisted"]
    assert "Trang chính thức hoặc nền tảng dùng chung" in html


def test_the_form_posts_without_javascript_and_renders_the_whole_page(client, listed):
    response = client.post(URL, {"q": "0912 345 678"})
    html = response.content.decode()
    assert response.status_code == 200 and "<html" in html
    assert verdicts(html) == ["listed"]
    assert "0912 345 678" in html  # the box keeps what was typed


def test_htmx_gets_only_the_result(client, listed):
    response = client.post(URL, {"q": LISTED_DOMAIN}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and "<form" not in html
    assert verdicts(html) == ["listed"]


def test_invalid_value_is_an_alert(client, listed):
    response = client.get(URL, {"q": "0071000986547"})
    html = response.content.decode()
    assert response.status_code == 400
    assert 'role="alert"' in html and "tên ngân hàng" in html


def test_too_long_input_is_refused(client):
    response = client.post(URL, {"q": "a " * 3000})
    assert response.status_code == 400
    assert "tối đa 5000 ký tự" in response.content.decode().replace(".", "")


def test_a_message_shows_each_indicator_and_the_analysis_when_detection_has_one(client, listed):
    message = (
        "VCB: TK cua quy khach bi khoa, xac thuc tai http://vcb-xac-thuc.com/dang-nhap "
        "hoac goi 0987 654 321"
    )
    html = client.post(URL, {"q": message}).content.decode()
    assert sorted(verdicts(html)) == ["listed", "not_listed"]
    assert "Tra cứu từng dấu hiệu trong tin nhắn" in html
    assert 'data-testid="analysis"' in html


def test_without_an_analysis_a_message_shows_the_verdicts_only(client, listed, monkeypatch):
    monkeypatch.setattr(views, "analysis_of", lambda text: None)
    html = client.post(URL, {"q": "Chuyen tien vao vcb-xac-thuc.com ngay hom nay nhe"}).content
    html = html.decode()
    assert verdicts(html) == ["listed"] and 'data-testid="analysis"' not in html


def test_a_failing_analysis_does_not_take_the_page_down(client, listed, monkeypatch):
    def broken(text):
        raise RuntimeError("boom")

    monkeypatch.setattr(views, "_analyse", broken)
    response = client.post(URL, {"q": "Goi ngay 0912345678 de nhan qua tri an nhe ban"})
    assert response.status_code == 200 and verdicts(response.content.decode()) == ["listed"]


def test_a_message_without_indicators_says_so(client, listed, monkeypatch):
    monkeypatch.setattr(views, "analysis_of", lambda text: None)
    html = client.post(URL, {"q": "Chao ban, hom nay troi dep qua nhi"}).content.decode()
    assert 'data-testid="nothing-found"' in html


def test_too_many_checks_from_one_address_are_refused(client, settings, listed, still_clock):
    settings.LOOKUP_PAGE_RATE_PER_IP = 2
    assert client.get(URL, {"q": LISTED_DOMAIN}).status_code == 200
    assert client.get(URL, {"q": LISTED_DOMAIN}).status_code == 200
    response = client.get(URL, {"q": LISTED_DOMAIN})
    assert response.status_code == 429 and "quá nhiều lần" in response.content.decode()
    assert client.get(URL).status_code == 200  # the empty page is never limited


def test_english_page_is_translated(client, listed):
    client.cookies["django_language"] = "en"
    html = client.get(URL, {"q": "trang-binh-thuong.vn"}).content.decode()
    assert "No information yet" in html
