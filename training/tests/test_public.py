"""Citizens learn without an account; their results only add to anonymous per-day counters."""

import re
import time

import pytest
from django.urls import reverse

from lib.ratelimit import fixed_clock
from training.models import Attempt, Completion, PublicQuizStat

from .factories import answers_for, make_lesson, make_quiz

pytestmark = pytest.mark.django_db


@pytest.fixture
def public_quiz():
    return make_quiz("tu-kiem-tra", public=True)


def take(client, quiz):
    page = client.get(reverse("learn-quiz", args=[quiz.slug]))
    assert page.status_code == 200
    found = re.search(r'name="token" value="([^"]+)"', page.content.decode())
    assert found is not None
    token = found.group(1)
    ids = [q.pk for q in page.context["questions"]]
    return token, ids


def test_citizen_reads_a_lesson_and_takes_a_quiz_without_an_account(client, public_quiz):
    make_lesson("bai-cong-khai", title="Bài cho mọi người")
    make_lesson("bai-can-bo", title="Bài riêng cán bộ", audience="staff")
    index = client.get(reverse("learn-index")).content.decode()
    assert "Bài cho mọi người" in index and "Bài riêng cán bộ" not in index
    assert public_quiz.title in index
    lesson = client.get(reverse("learn-lesson", args=["bai-cong-khai"])).content.decode()
    assert "<strong>OTP</strong>" in lesson
    assert client.get(reverse("learn-lesson", args=["bai-can-bo"])).status_code == 404

    token, ids = take(client, public_quiz)
    response = client.post(
        reverse("learn-quiz", args=[public_quiz.slug]), {"token": token, **answers_for(ids)}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "3/3 câu đúng (100%)" in body and "Giải thích cho tu-kiem-tra-q0." in body
    # Nothing about the person: no attempt, no completion; one anonymous count.
    assert not Attempt.objects.exists() and not Completion.objects.exists()
    stat = PublicQuizStat.objects.get()
    assert (stat.attempts, stat.passes, stat.percent_sum) == (1, 1, 100)
    assert {f.name for f in PublicQuizStat._meta.get_fields()} == {
        "id", "quiz", "day", "attempts", "passes", "percent_sum",
    }  # fmt: skip


def test_a_replayed_public_submission_is_not_counted_twice(client, public_quiz):
    token, ids = take(client, public_quiz)
    data = {"token": token, **answers_for(ids, right=0)}
    url = reverse("learn-quiz", args=[public_quiz.slug])
    assert client.post(url, data).status_code == 200
    replay = client.post(url, {"token": token, **answers_for(ids)})
    assert replay.status_code == 409
    assert "Bài làm này đã được nộp" in replay.content.decode()
    stat = PublicQuizStat.objects.get()
    assert (stat.attempts, stat.passes) == (1, 0)


def test_a_forged_or_stale_public_token_is_refused(client, public_quiz, monkeypatch):
    url = reverse("learn-quiz", args=[public_quiz.slug])
    token, ids = take(client, public_quiz)
    forged = client.post(url, {"token": token[:-2] + "xx", **answers_for(ids)})
    assert forged.status_code == 409 and "Bài làm không hợp lệ" in forged.content.decode()

    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() - 3600)  # issued an hour ago
    old_token, old_ids = take(client, public_quiz)
    monkeypatch.setattr(time, "time", real_time)
    late = client.post(url, {"token": old_token, **answers_for(old_ids)})
    assert late.status_code == 409 and "Đã hết thời gian làm bài" in late.content.decode()
    assert not PublicQuizStat.objects.exists()


def test_a_staff_only_quiz_is_not_public(client, db):
    quiz = make_quiz("noi-bo")
    assert client.get(reverse("learn-quiz", args=[quiz.slug])).status_code == 404


def test_a_flood_of_public_submissions_is_refused_and_not_counted(client, public_quiz, settings):
    settings.TRAINING_PUBLIC_SUBMITS_PER_MINUTE = 3
    url = reverse("learn-quiz", args=[public_quiz.slug])
    statuses = []
    with fixed_clock():  # the four submissions in one window, whatever the time
        for _ in range(4):
            token, ids = take(client, public_quiz)
            statuses.append(client.post(url, {"token": token, **answers_for(ids)}).status_code)
    assert statuses == [200, 200, 200, 429]
    assert PublicQuizStat.objects.get().attempts == 3
