"""The staff portal's one-click "Báo cáo thư đáng ngờ": one press reports the person's newest
delivered, not yet reported drill mail of a running (or lately ended) campaign, and only theirs;
the page and the mail say the same whether or not there was one; GET records nothing; the POST
needs the CSRF token and is rate limited; the log says nothing personal."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone

from drills.models import (
    Campaign,
    CampaignAction,
    CampaignLog,
    CampaignStatus,
    Event,
    EventKind,
    Recipient,
    ReportChannel,
)
from lib import ratelimit
from orgs.testing import sign_in_verified

from .test_tracking_world import drill_fixture  # noqa: F401 (fixture)

REPORT = reverse("drill-report")


@pytest.fixture(autouse=True)
def _mail_and_clock(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with ratelimit.fixed_clock():  # all of a test's presses in one rate-limit window
        yield


def _campaign(drill: Campaign, *, status: str, ended_days_ago: float | None = None) -> Campaign:
    """Another campaign like `drill`; a done one ended `ended_days_ago` (its log says when)."""
    other = Campaign.objects.create(
        name=f"Diễn tập {status} {ended_days_ago}", unit=drill.unit, template=drill.template,
        landing_page=drill.landing_page, sending_profile=drill.sending_profile,
        window_start=drill.window_start, window_end=drill.window_end, status=status,
        created_by=drill.created_by, approved_by=drill.approved_by,
    )  # fmt: skip
    if ended_days_ago is not None:
        CampaignLog.objects.create(
            campaign=other, actor=None, actor_label="hệ thống", action=CampaignAction.DONE,
            from_status=CampaignStatus.SENDING, to_status=status,
            at=timezone.now() - timedelta(days=ended_days_ago),
        )  # fmt: skip
    return other


def _mail(world, campaign: Campaign, name: str, *, hours_ago: float | None) -> Recipient:
    """`name`'s drill mail of `campaign`, delivered `hours_ago` (None: not yet sent)."""
    person = world.person(name)
    now = timezone.now()
    sent = None if hours_ago is None else now - timedelta(hours=hours_ago)
    return Recipient.objects.create(
        campaign=campaign, person=person, email=person.email, due_at=sent or now, sent_at=sent
    )


def _press(client: Client, data: dict[str, str] | None = None):
    """POST the button as a browser would, with what runs after the commit (the mail)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(REPORT, data or {})


def _reported(*recipients: Recipient) -> list[bool]:
    return [r.events.filter(kind=EventKind.REPORTED).exists() for r in recipients]


def _main(response) -> str:
    """The page's own part (the header's forms carry a fresh CSRF token on every page)."""
    html = response.content.decode()
    return html[html.index("<main") : html.index("</main>")]


def test_one_click_reports_the_newest_unreported_mail_of_that_person_only(client, world, drill):
    sending = _campaign(drill, status=CampaignStatus.SENDING)
    older = _mail(world, drill, "staff_d1_c1", hours_ago=48)
    newest = _mail(world, sending, "staff_d1_c1", hours_ago=2)
    colleague = _mail(world, sending, "staff_d1_c2", hours_ago=1)  # newer, but not theirs
    person = world.person("staff_d1_c1")
    sign_in_verified(client, person)
    response = _press(client)
    assert response.status_code == 200
    assert _reported(newest, older, colleague) == [True, False, False]
    assert newest.events.get(kind=EventKind.REPORTED).channel == ReportChannel.PORTAL
    assert [m.to for m in mail.outbox] == [[person.email]]
    assert "diễn tập" not in mail.outbox[0].body + _main(response)


def test_a_second_click_reports_the_next_older_then_nothing(client, world, drill):
    older = _mail(world, drill, "staff_d1_c1", hours_ago=30)
    newest = _mail(
        world, _campaign(drill, status=CampaignStatus.PAUSED), "staff_d1_c1", hours_ago=3
    )
    sign_in_verified(client, world.person("staff_d1_c1"))
    pages = [_main(_press(client))]
    assert _reported(newest, older) == [True, False]
    pages.append(_main(_press(client)))
    assert _reported(newest, older) == [True, True]
    pages.append(_main(_press(client)))
    assert Event.objects.filter(kind=EventKind.REPORTED).count() == 2
    assert pages[0] == pages[1] == pages[2]
    assert len({m.body for m in mail.outbox}) == 1 and len(mail.outbox) == 3


def test_a_person_with_no_drill_gets_the_same_page_and_mail(world, drill):
    _mail(world, drill, "staff_d1_c1", hours_ago=5)
    with_drill, without = Client(), Client()
    sign_in_verified(with_drill, world.person("staff_d1_c1"))
    sign_in_verified(without, world.person("staff_d1_c2"))
    answer_with, answer_without = _press(with_drill), _press(without)
    assert Event.objects.filter(kind=EventKind.REPORTED).count() == 1
    assert answer_with.status_code == answer_without.status_code == 200
    assert _main(answer_with) == _main(answer_without)
    first, second = mail.outbox
    assert (first.subject, first.body) == (second.subject, second.body)
    assert first.to != second.to


def test_only_delivered_mail_of_a_running_or_lately_ended_campaign_counts(
    client, world, drill, settings
):
    long_ago = _mail(world, _campaign(drill, status=CampaignStatus.DONE, ended_days_ago=20),
                     "staff_d1_c1", hours_ago=24 * 25)  # fmt: skip
    not_sent = _mail(world, _campaign(drill, status=CampaignStatus.SENDING), "staff_d1_c1",
                     hours_ago=None)  # fmt: skip
    draft = _mail(world, _campaign(drill, status=CampaignStatus.DRAFT), "staff_d1_c1", hours_ago=1)
    lately = _mail(world, _campaign(drill, status=CampaignStatus.DONE, ended_days_ago=3),
                   "staff_d1_c1", hours_ago=24 * 6)  # fmt: skip
    sign_in_verified(client, world.person("staff_d1_c1"))
    _press(client)
    _press(client)
    assert _reported(lately, long_ago, not_sent, draft) == [True, False, False, False]
    settings.DRILLS_REPORT_DAYS = 30  # the window is a setting
    _press(client)
    assert _reported(long_ago) == [True]


def test_get_records_nothing_and_the_home_button_posts(client, world, drill):
    recipient = _mail(world, drill, "staff_d1_c1", hours_ago=1)
    sign_in_verified(client, world.person("staff_d1_c1"))
    home = client.get(reverse("staff-home")).content.decode()
    form = re.search(r'<form method="post" action="([^"]+)" class="card one-click">(.*?)</form>',
                     home, re.S)  # fmt: skip
    assert form and form.group(1) == REPORT and "Báo cáo thư đáng ngờ" in form.group(2)
    assert "csrfmiddlewaretoken" in form.group(2)
    page = client.get(REPORT)
    assert page.status_code == 200 and "Báo cáo thư đáng ngờ" in page.content.decode()
    assert not recipient.events.exists() and mail.outbox == []


def test_the_post_needs_the_csrf_token(world, drill):
    recipient = _mail(world, drill, "staff_d1_c1", hours_ago=1)
    client = Client(enforce_csrf_checks=True)
    sign_in_verified(client, world.person("staff_d1_c1"))
    assert _press(client).status_code == 403
    assert not recipient.events.exists()
    home = client.get(reverse("staff-home")).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', home)
    assert token is not None
    assert _press(client, {"csrfmiddlewaretoken": token.group(1)}).status_code == 200
    assert _reported(recipient) == [True]


def test_presses_are_rate_limited_per_person(client, world, drill, settings):
    settings.DRILLS_REPORT_RATE_PER_USER = 2
    mails = [_mail(world, _campaign(drill, status=CampaignStatus.SENDING), "staff_d1_c1",
                   hours_ago=h) for h in (1, 2, 3)]  # fmt: skip
    sign_in_verified(client, world.person("staff_d1_c1"))
    assert [_press(client).status_code for _ in range(3)] == [200, 200, 429]
    assert _reported(*mails) == [True, True, False]
    assert len(mail.outbox) == 2
    other = Client()
    sign_in_verified(other, world.person("staff_d1_c2"))
    assert _press(other).status_code == 200  # someone else's presses are their own


def test_a_pasted_mail_names_which_and_never_touches_anothers(client, world, drill):
    sending = _campaign(drill, status=CampaignStatus.SENDING)
    older = _mail(world, drill, "staff_d1_c1", hours_ago=40)
    newest = _mail(world, sending, "staff_d1_c1", hours_ago=1)
    colleague = _mail(world, sending, "staff_d1_c2", hours_ago=2)
    sign_in_verified(client, world.person("staff_d1_c1"))
    _press(client, {"message": f"Xem tại https://x.example/d/{older.tracking_id} nhé"})
    assert _reported(older, newest, colleague) == [True, False, False]
    # Somebody else's link pasted: theirs stays untouched; the press reports the person's own.
    _press(client, {"message": f"https://x.example/d/{colleague.tracking_id}"})
    assert _reported(newest, colleague) == [True, False]


def test_the_log_says_nothing_personal(client, world, drill, caplog):
    recipient = _mail(world, drill, "staff_d1_c1", hours_ago=1)
    person = world.person("staff_d1_c1")
    sign_in_verified(client, person)
    with caplog.at_level(logging.DEBUG):
        _press(client, {"message": f"/d/{recipient.tracking_id} Lê Văn Bảy 0912345678"})
    assert "report button pressed" in caplog.text
    for personal in (person.username, person.email, recipient.tracking_id, "0912345678", "Bảy"):
        assert personal not in caplog.text


def test_anonymous_is_sent_to_sign_in_and_nothing_is_recorded(client, world, drill):
    recipient = _mail(world, drill, "staff_d1_c1", hours_ago=1)
    response = _press(client)
    assert response.status_code == 302 and reverse("login") in response["Location"]
    assert not recipient.events.exists() and mail.outbox == []
