"""The staff model card: who may see it, what it says about the active model, the model it
replaced and the recent runs; it fits a 360 px phone."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from detection import classifier
from detection.models import DetectorModel
from detection.services import label_message, train_detector
from orgs.browser_testing import assert_fits_phone
from orgs.models import Role, RoleAssignment, User
from orgs.testing import sign_in_verified

URL = "/staff/detection/model/"


@pytest.fixture(autouse=True)
def fresh_model():
    classifier.reset_model()
    yield
    classifier.reset_model()


def two_runs():
    """A first model, then one that replaces it after verifiers labelled a few messages."""
    first = train_detector(cv_folds=0).record
    for n in range(12):
        label_message(
            content=f"Khach hang so {n} duoc chon nhan qua Kimtuyen, xac nhan tai kimtuyen.top",
            label=1,
            source=f"report:{n}",
        )
    second = train_detector(force=True, cv_folds=2).record
    return first, second


def client_for(user) -> Client:
    client = Client()
    sign_in_verified(client, user)
    return client


def test_the_url_and_the_staff_menu_entry(world):
    assert reverse("detection:model-card") == URL
    verifier = client_for(world.person("verifier_d1")).get("/staff/")
    assert URL in verifier.content.decode()
    editor = client_for(world.person("editor")).get("/staff/")
    assert editor.status_code == 200 and URL not in editor.content.decode()


def test_anonymous_people_are_sent_to_sign_in(db):
    response = Client().get(URL)
    assert response.status_code == 302 and "/staff/login/" in response["Location"]


@pytest.mark.parametrize("name", ["editor", "manager_d1", "staff_d1_c1", "drill_operator"])
def test_people_without_the_verify_permission_are_refused(world, name):
    assert client_for(world.person(name)).get(URL).status_code == 403


def test_a_verifier_sees_what_the_model_learnt_from_and_its_figures(world):
    first, second = two_runs()
    response = client_for(world.person("verifier_d1")).get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    sources = second.sources
    assert sources["verifier"]["train"] + sources["verifier"]["holdout"] == 12
    assert "Kho tin mẫu của nhóm phát triển" in page and "Cán bộ xác minh" in page
    for counts in sources.values():
        assert f'<td class="num">{counts["train"]}</td>' in page
    assert f"Mô hình đang dùng: #{second.pk}" in page
    assert second.cv_scores["folds"] == 2 and "Kiểm tra chéo: 2 phần" in page
    assert response.context["replaced"] == first
    assert f"#{first.pk}, huấn luyện lúc" in page
    assert [run.pk for run in response.context["runs"]] == [second.pk, first.pk]
    assert "đã dùng, nay được thay" in page
    assert b"Kimtuyen" not in response.content  # counts and scores, never a message


def test_a_rejected_run_is_listed_but_not_used(world):
    first = train_detector(cv_folds=0).record
    assert first is not None
    rejected = DetectorModel.objects.create(accepted=False, f1=0.1, previous_f1=first.f1)
    page = client_for(world.person("verifier_province")).get(URL).content.decode()
    assert f"Mô hình đang dùng: #{first.pk}" in page
    assert "không dùng: kém hơn" in page and f"#{rejected.pk} <span" in page
    assert "Mô hình dựng sẵn (học từ kho tin mẫu)." in page  # first replaced the built-in one


def test_without_any_run_the_page_says_the_built_in_model_is_used(world):
    page = client_for(world.person("verifier_d2")).get(URL).content.decode()
    assert "đang dùng mô hình dựng sẵn" in page and "Chưa có lần huấn luyện nào." in page


def test_an_admin_of_another_unit_sees_the_same_province_wide_card(world):
    # One model serves every unit, and the card holds no unit data: any unit's verifier or
    # admin sees it.
    train_detector(cv_folds=0)
    admin_d2 = User.objects.create(username="admin_d2", home_unit=world.unit("D2"))
    RoleAssignment.objects.create(user=admin_d2, unit=world.unit("D2"), role=Role.ADMIN)
    response = client_for(admin_d2).get(URL)
    assert response.status_code == 200 and response.context["active"] is not None


@pytest.mark.django_db(transaction=True)
def test_the_card_fits_a_phone(live_server, page, console_errors):
    from orgs.testing import build_world

    world = build_world()
    two_runs()
    client = client_for(world.person("verifier_d1"))
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )
    page.goto(live_server.url + URL)
    assert page.get_by_test_id("sources").is_visible()
    assert page.evaluate("window.innerWidth") == 360
    assert page.get_by_test_id("runs").is_visible()
    assert_fits_phone(page)
    boxes = page.evaluate(
        "[...document.querySelectorAll('.table-wrap')].map(b => b.scrollWidth - b.clientWidth)"
    )
    assert len(boxes) == 3 and max(boxes) <= 1, boxes  # no table to scroll sideways either
    assert console_errors == []
