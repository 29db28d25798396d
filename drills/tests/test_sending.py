"""Drill mail goes out through real SMTP (aiosmtpd on loopback), spread over working hours,
marked for mail administrators, and never while a campaign is paused."""

from __future__ import annotations

import random
from datetime import time, timedelta
from zoneinfo import ZoneInfo

from django.urls import reverse
from django.utils import timezone

from drills.models import CampaignStatus, EventKind, Recipient
from drills.sending import DRILL_HEADER, due_times, plan_recipients, send_due

from .test_tracking_world import DOMAIN, drill_fixture, sent_recipient  # noqa: F401 (fixture)

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")


def _due_now(world, campaign, names=("staff_d1_c1", "manager_d1")):
    now = timezone.now()
    return [
        Recipient.objects.create(
            campaign=campaign, person=world.person(n), email=world.person(n).email, due_at=now
        )
        for n in names
    ]


def test_due_times_fall_in_working_hours_on_weekdays(world, drill):
    today = timezone.localdate()
    monday = today + timedelta(days=7 - today.weekday() + 7)
    drill.window_start, drill.window_end = monday, monday + timedelta(days=13)
    drill.day_start, drill.day_end = time(8, 0), time(16, 30)
    times = due_times(drill, 2000, random.Random(17))
    local = [t.astimezone(LOCAL) for t in times]
    assert len(local) == 2000
    assert all(t.weekday() < 5 for t in local)
    assert all(time(8, 0) <= t.time() <= time(16, 30) for t in local)
    # Spread at random: every one of the ten weekdays gets mail, none gets most of it.
    per_day = {d: sum(1 for t in local if t.date() == d) for d in {t.date() for t in local}}
    assert len(per_day) == 10 and max(per_day.values()) < 300
    assert len({t.replace(second=0, microsecond=0) for t in local}) > 1000


def test_plan_reaches_the_target_units_people_at_allowed_domains(world, drill, settings):
    outsider = world.person("staff_d1_c1")
    outsider.email = "ca-nhan@gmail.com"
    outsider.save(update_fields=["email"])
    today = timezone.localdate()
    monday = today + timedelta(days=7 - today.weekday())
    drill.window_start, drill.window_end = monday, monday + timedelta(days=4)
    drill.save()
    assert plan_recipients(drill, rng=random.Random(1)) == 0  # the only D1-C1 person: gmail
    drill.target_units.set([world.unit("D1")])
    planned = plan_recipients(drill, rng=random.Random(1))
    emails = set(drill.recipients.values_list("email", flat=True))
    assert planned == len(emails) and emails
    assert all(e.endswith("@" + DOMAIN) for e in emails)
    assert plan_recipients(drill, rng=random.Random(1)) == 0  # nobody twice


def test_send_due_delivers_over_smtp_with_the_drill_header(world, drill, smtp_server, settings):
    settings.DRILLS_CONTACT_ADDRESS = "dien-tap@" + DOMAIN
    drill.sending_profile.smtp_port = settings.EMAIL_PORT
    drill.sending_profile.save()
    drill.status = CampaignStatus.SENDING
    drill.save()
    recipients = _due_now(world, drill)
    assert send_due() == 2
    assert sorted(m["X-Envelope-To"] for m in smtp_server) == sorted(r.email for r in recipients)
    by_id = {r.tracking_id: r for r in recipients}
    for message in smtp_server:
        header = message[DRILL_HEADER]
        tid = header.split(";")[0].removeprefix("id=")
        assert tid in by_id and "dien-tap@" + DOMAIN in header
        assert message["From"].addresses[0].domain == "thu-dien-tap.example"
        text = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        assert reverse("drill-click", args=[tid]) in text
        assert reverse("drill-pixel", args=[tid]) in html
        assert by_id[tid].person.first_name in message["Subject"]
    for r in recipients:
        r.refresh_from_db()
        assert r.sent_at is not None
        assert r.events.filter(kind=EventKind.SENT).count() == 1
    drill.refresh_from_db()
    assert drill.status == CampaignStatus.DONE
    assert send_due() == 0 and len(smtp_server) == 2


def test_paused_or_unapproved_campaign_sends_nothing(world, drill, smtp_server, settings):
    drill.sending_profile.smtp_port = settings.EMAIL_PORT
    drill.sending_profile.save()
    _due_now(world, drill)
    drill.status = CampaignStatus.PAUSED
    drill.save()
    assert send_due() == 0
    drill.status, drill.approved_by = CampaignStatus.APPROVED, None
    drill.save()
    assert send_due() == 0
    assert smtp_server == []
    assert not Recipient.objects.filter(sent_at__isnull=False).exists()


def test_the_link_in_the_received_mail_leads_to_the_lesson(
    client, world, drill, smtp_server, settings
):
    drill.sending_profile.smtp_port = settings.EMAIL_PORT
    drill.sending_profile.save()
    (recipient,) = _due_now(world, drill, names=["staff_d1_c1"])
    send_due()
    Recipient.objects.filter(pk=recipient.pk).update(sent_at=timezone.now() - timedelta(hours=1))
    text = smtp_server[0].get_body(("plain",)).get_content()
    link = next(word for word in text.split() if "/d/" in word)
    path = "/" + link.split("/", 3)[3]
    agent = "Mozilla/5.0 (Linux; Android 13) AppleWebKit/537.36 Chrome/124.0 Mobile Safari/537.36"
    landing = client.get(path, HTTP_USER_AGENT=agent, follow=True)
    assert "Mật khẩu" in landing.content.decode()
    client.post(reverse("drill-beacon", args=[recipient.tracking_id]))
    teach = client.post(reverse("drill-submitted", args=[recipient.tracking_id]), follow=True)
    assert drill.template.cue_list()[0] in teach.content.decode()
    kinds = set(recipient.events.values_list("kind", "source"))
    assert {("sent", "person"), ("clicked", "unconfirmed"), ("clicked", "person")} <= kinds
    assert ("submitted", "person") in kinds
