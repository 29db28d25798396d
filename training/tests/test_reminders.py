"""Deadline reminders by real SMTP: to people who have not finished, once per assignment."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from training.models import Assignment, ReminderSent
from training.services import mark_lesson_read
from training.tasks import send_deadline_reminders

from .factories import make_assignment, make_lesson

pytestmark = pytest.mark.django_db


@pytest.fixture
def mailable(world):
    for user in get_user_model().objects.all():
        user.email = f"{user.username}@example.invalid"
        user.save(update_fields=["email"])
    return world


def test_reminders_go_once_to_those_who_have_not_finished(mailable, smtp_server, immediate_tasks):
    world = mailable
    lesson = make_lesson()
    due_soon = make_assignment(world, lessons=[lesson], days=2, title="Khoá sắp hết hạn")
    make_assignment(world, lessons=[make_lesson("xa")], days=30, title="Khoá còn xa")
    make_assignment(world, unit="D2", by="manager_d2", lessons=[make_lesson("d2")], days=2)
    Assignment.objects.filter(unit__code="D2").update(title="Khoá của huyện Hai")
    mark_lesson_read(user=world.person("staff_d1_c1"), lesson=lesson)

    send_deadline_reminders.enqueue(within_days=3)

    to_d1 = {m["X-Envelope-To"] for m in smtp_server if "Khoá sắp hết hạn" in m["Subject"]}
    expected = {
        f"{u.username}@example.invalid" for u in due_soon.people() if u.username != "staff_d1_c1"
    }
    assert "staff_d1_c2@example.invalid" in to_d1 and to_d1 == expected
    assert not any("Khoá còn xa" in m["Subject"] for m in smtp_server)
    message = next(m for m in smtp_server if m["X-Envelope-To"] == "staff_d1_c2@example.invalid")
    body = message.get_content()
    assert f"/staff/training/assignments/{due_soon.pk}/" in body and "Chào staff_d1_c2" in body
    assert "không bao giờ hỏi mật khẩu" in body

    count = len(smtp_server)
    send_deadline_reminders.enqueue(within_days=3)
    call_command("send_training_reminders", "--days", "3")
    assert len(smtp_server) == count  # nobody is reminded twice
    assert ReminderSent.objects.filter(assignment=due_soon).count() == len(expected)


def test_a_failed_mail_is_tried_again_next_time(mailable, settings):
    make_assignment(mailable, lessons=[make_lesson()], days=1)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens: refused
    from training.services import send_deadline_reminders as run

    assert run(within_days=3, now=timezone.now() + timedelta(seconds=1)) == 0
    assert not ReminderSent.objects.exists()
