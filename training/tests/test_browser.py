"""A staff member learns an assigned lesson and passes its quiz in real Chromium, 360 px wide."""

import pytest

from orgs.browser_testing import assert_fits_phone, sign_in
from orgs.testing import build_world
from training.content import load_content
from training.models import Attempt, Certificate, Lesson, Question

from .factories import make_assignment, make_quiz

pytestmark = pytest.mark.django_db(transaction=True)


def test_staff_member_takes_a_lesson_and_a_quiz_on_a_phone(live_server, page, console_errors):
    world = build_world()
    load_content()
    lesson = Lesson.objects.get(slug="gia-danh-cong-an-vien-kiem-sat-toa-an")
    course = make_assignment(world, lessons=[lesson], quiz=make_quiz(count=3))

    sign_in(page, live_server.url, "staff_d1_c1", next_path="/staff/training/")
    page.wait_for_url(live_server.url + "/staff/training/")
    assert_fits_phone(page)

    page.get_by_role("link", name=course.title).click()
    page.get_by_role("link", name=lesson.title).click()
    assert "Bình tĩnh và cúp máy" in page.locator("main").inner_text()
    assert_fits_phone(page)
    page.get_by_role("button", name="Tôi đã học xong bài này").click()
    assert "Đã ghi nhận bạn học xong bài" in page.locator(".messages").inner_text()

    page.get_by_role("button", name="Bắt đầu làm bài").click()
    page.wait_for_url("**/staff/training/attempts/**")
    assert_fits_phone(page)
    attempt = Attempt.objects.get()
    for question in Question.objects.filter(pk__in=attempt.question_ids):
        for choice in question.choices.filter(is_correct=True):
            page.get_by_label(choice.text, exact=True).check()
    page.get_by_role("button", name="Nộp bài").click()
    page.wait_for_url("**/result/")

    assert "3/3 câu đúng (100%)" in page.get_by_test_id("result").inner_text()
    review = page.get_by_test_id("review").inner_text()
    assert review.count("Trả lời đúng") == 3 and "Giải thích:" in review
    assert_fits_phone(page)
    assert Certificate.objects.filter(user=world.person("staff_d1_c1")).exists()
    assert console_errors == []
