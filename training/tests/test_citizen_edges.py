"""What people hit first in training: a quiz sent with blanks asks before it is graded (on the
server, no script needed), and a certificate names the unit that issues it and its signer."""

import re
import shutil
import subprocess

import pytest
from django.urls import reverse

from training.models import Attempt, AttemptStatus, Certificate, PublicQuizStat
from training.services import issue_certificate

from .factories import answers_for, make_assignment, make_lesson, make_quiz

pytestmark = pytest.mark.django_db


def take_public(client, quiz):
    page = client.get(reverse("learn-quiz", args=[quiz.slug]))
    found = re.search(r'name="token" value="([^"]+)"', page.content.decode())
    assert found is not None
    token = found.group(1)
    return token, [q.pk for q in page.context["questions"]]


def checked_choices(html: str) -> set[str]:
    return set(re.findall(r'value="(\d+)" id="choice-\d+" checked', html))


def test_a_public_quiz_with_blanks_asks_before_it_is_graded(client, db):
    quiz = make_quiz("tu-kiem-tra", public=True)
    token, ids = take_public(client, quiz)
    url = reverse("learn-quiz", args=[quiz.slug])
    answered = answers_for(ids[:1])  # the first question only
    asked = client.post(url, {"token": token, **answered})
    html = asked.content.decode()
    assert asked.status_code == 200
    assert "Bạn còn để trống 2 câu" in html and 'data-testid="blanks"' in html
    assert checked_choices(html) == set(answered[f"q{ids[0]}"])  # what was chosen stays chosen
    assert not PublicQuizStat.objects.exists()  # nothing graded, nothing counted
    # The summary leads to the first choice of each blank question.
    for target in re.findall(r'href="#(choice-\d+)"', html.split('data-testid="blanks"')[1]):
        assert f'id="{target}"' in html
    # "Submit anyway": graded as it is, the blanks wrong.
    sent = client.post(url, {"token": token, "blank_ok": "1", **answered})
    assert "1/3 câu đúng" in sent.content.decode()
    assert PublicQuizStat.objects.get().attempts == 1


def test_a_complete_public_quiz_is_graded_at_once(client, db):
    quiz = make_quiz("tu-kiem-tra", public=True)
    token, ids = take_public(client, quiz)
    response = client.post(
        reverse("learn-quiz", args=[quiz.slug]), {"token": token, **answers_for(ids)}
    )
    assert "3/3 câu đúng" in response.content.decode()


def test_a_forged_token_is_refused_before_asking_about_blanks(client, db):
    quiz = make_quiz("tu-kiem-tra", public=True)
    token, _ids = take_public(client, quiz)
    response = client.post(reverse("learn-quiz", args=[quiz.slug]), {"token": token[:-2] + "xx"})
    assert response.status_code == 409


def test_a_staff_attempt_with_blanks_asks_before_it_is_closed(client, world):
    course = make_assignment(world, lessons=[make_lesson()], quiz=make_quiz(count=3))
    client.force_login(world.person("staff_d1_c1"))
    client.post(reverse("training-lesson", args=[course.pk, "bai-thu"]))
    start = client.post(reverse("training-quiz-start", args=[course.pk]))
    attempt = Attempt.objects.get(token=start["Location"].rstrip("/").split("/")[-1])
    url = reverse("training-attempt", args=[attempt.token])
    asked = client.post(url, {})
    assert asked.status_code == 200 and "Bạn còn để trống 3 câu" in asked.content.decode()
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.OPEN
    sent = client.post(url, {"blank_ok": "1"})
    assert sent.status_code == 302
    attempt.refresh_from_db()
    assert attempt.status != AttemptStatus.OPEN and attempt.passed is False


def test_the_certificate_names_the_issuing_unit_and_the_signers_title(world):
    manager = world.person("manager_d1")
    manager.first_name, manager.last_name = "An", "Trần Văn"
    manager.save()
    course = make_assignment(world, unit="D1", by="manager_d1", lessons=[make_lesson()])
    certificate = issue_certificate(user=world.person("staff_d1_c1"), assignment=course)
    assert certificate.issuer_name == "Huyện Một"
    assert certificate.signer_name in ("Trần Văn An", "An Trần Văn")
    assert certificate.signer_title == "Quản lý đơn vị, Huyện Một"
    # A copy taken that day: renaming the unit later does not change the paper.
    world.unit("D1").name = "Xã Mới"
    world.unit("D1").save()
    assert Certificate.objects.get(pk=certificate.pk).issuer_name == "Huyện Một"


@pytest.mark.real_service
def test_the_certificate_pdf_prints_the_issuer_and_the_signer(client, world):
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        pytest.skip("pdftotext not found: apt-get install poppler-utils")
    course = make_assignment(world, unit="D1", by="manager_d1", lessons=[make_lesson()])
    certificate = issue_certificate(user=world.person("staff_d1_c1"), assignment=course)
    client.force_login(world.person("staff_d1_c1"))
    pdf = client.get(reverse("training-certificate-pdf", args=[certificate.code])).content
    text = subprocess.run(
        [pdftotext, "-enc", "UTF-8", "-", "-"],
        input=pdf,
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout.decode("utf-8")
    flat = " ".join(text.split())
    assert "HUYỆN MỘT" in flat  # the issuing unit, at the top
    assert "Quản lý đơn vị, Huyện Một" in flat and "manager_d1" in flat  # signer, title
