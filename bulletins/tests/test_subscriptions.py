"""Email subscriptions: double opt-in through real SMTP (aiosmtpd on loopback), per-unit lists,
RFC 8058 one-click unsubscribe, the honeypot and the rate limit of the form."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bulletins import subscriptions
from bulletins.channels import email
from bulletins.models import MailingList, Subscriber, SubscriberStatus

from .conftest import make_revision

pytestmark = pytest.mark.django_db
SITE = "https://canhgiac.example.vn"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE
    settings.BULLETINS_SUBSCRIBE_RATE_PER_IP = 50


@pytest.fixture
def subscribe(client, world, django_capture_on_commit_callbacks):
    """Post the form; the confirmation mail goes after the commit, run here as a commit would."""

    def post(address="an.nguyen@vi-du.vn", unit="D1-C1", **extra):
        data = {"email": address, "unit": world.unit(unit).pk, "website": "", **extra}
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(reverse("bulletins:subscribe"), data)

    return post


def _link(message, start):
    body = message.get_body(preferencelist=("plain",)).get_content()
    [url] = [u for u in re.findall(r"https://\S+", body) if u.startswith(SITE + start)]
    return urlsplit(url).path


def test_double_opt_in_confirms_only_on_the_button(subscribe, client, world, smtp_server):
    response = subscribe(address="An.Nguyen@Vi-Du.vn ")
    assert response.status_code == 200
    assert b'data-testid="check-mail"' in response.content
    subscriber = Subscriber.objects.get()
    assert subscriber.email == "an.nguyen@vi-du.vn"
    assert subscriber.status == SubscriberStatus.PENDING
    assert subscriber.mailing_list.unit == world.unit("D1-C1")
    [mail] = smtp_server
    assert mail["X-Envelope-To"] == "an.nguyen@vi-du.vn"
    assert "Xã Một Một" in mail["Subject"]
    path = _link(mail, "/nhan-canh-bao/xac-nhan/")
    # A mail scanner follows the link: nothing is confirmed by a GET.
    assert client.get(path).status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.status == SubscriberStatus.PENDING
    assert not email.recipients(mailing_list=subscriber.mailing_list).exists()
    response = client.post(path)
    assert b'data-testid="confirmed"' in response.content
    subscriber.refresh_from_db()
    assert subscriber.status == SubscriberStatus.CONFIRMED and subscriber.confirmed_at
    assert list(email.recipients(mailing_list=subscriber.mailing_list)) == [subscriber]


def test_honeypot_answers_like_a_success_and_stores_nothing(subscribe, smtp_server):
    response = subscribe(website="http://spam.example")
    assert response.status_code == 200
    assert b'data-testid="check-mail"' in response.content
    assert not Subscriber.objects.exists() and smtp_server == []


def test_the_form_is_rate_limited_per_address(subscribe, client, world, smtp_server, settings):
    settings.BULLETINS_SUBSCRIBE_RATE_PER_IP = 3
    codes = [subscribe(address=f"n{i}@vi-du.vn").status_code for i in range(5)]
    assert codes == [200, 200, 200, 429, 429]
    assert Subscriber.objects.count() == 3
    assert client.get(reverse("bulletins:subscribe")).status_code == 200  # GET is not counted


def test_a_second_request_does_not_mail_again_nor_tell_who_subscribed(
    subscribe, world, smtp_server
):
    first = subscribe()
    second = subscribe()
    assert len(smtp_server) == 1  # within BULLETINS_CONFIRM_RESEND_MINUTES: one mail
    subscriber = Subscriber.objects.get()
    subscriber.status = SubscriberStatus.CONFIRMED
    subscriber.save()
    third = subscribe()
    assert len(smtp_server) == 1  # confirmed: no mail at all
    pages = {re.sub(rb'(nonce|value)="[^"]*"', b"", r.content) for r in (first, second, third)}
    assert len(pages) == 1 and b'data-testid="check-mail"' in pages.pop()


def test_invalid_form_is_shown_again(subscribe, smtp_server):
    response = subscribe(address="khong-phai-thu")
    assert response.status_code == 400
    assert "Nhập địa chỉ email hợp lệ" in response.content.decode() or b"field-error" in (
        response.content
    )
    assert not Subscriber.objects.exists()


def test_forged_or_expired_confirmation_is_refused(subscribe, client, world, smtp_server, settings):
    subscribe()
    subscriber = Subscriber.objects.get()
    forged = signing.TimestampSigner(salt="another").sign(subscriber.token)
    assert client.post(f"/nhan-canh-bao/xac-nhan/{forged}/").status_code == 404
    path = _link(smtp_server[0], "/nhan-canh-bao/xac-nhan/")
    settings.BULLETINS_CONFIRM_DAYS = -1  # every link is now too old
    assert client.post(path).status_code == 404
    subscriber.refresh_from_db()
    assert subscriber.status == SubscriberStatus.PENDING


def test_an_old_confirmation_link_does_not_undo_an_unsubscribe(
    subscribe, client, world, smtp_server
):
    subscribe()
    subscriber = Subscriber.objects.get()
    path = _link(smtp_server[0], "/nhan-canh-bao/xac-nhan/")
    subscriptions.unsubscribe(subscriber=subscriber)
    response = client.post(path)
    assert b'data-testid="not-pending"' in response.content
    subscriber.refresh_from_db()
    assert subscriber.status == SubscriberStatus.UNSUBSCRIBED


def _confirmed(world, address, unit="D1-C1"):
    mailing_list, _created = MailingList.objects.get_or_create(unit=world.unit(unit))
    return Subscriber.objects.create(
        mailing_list=mailing_list, email=address, status=SubscriberStatus.CONFIRMED
    )


def test_bulletin_mail_carries_rfc8058_headers_through_smtp(world, smtp_server):
    subscriber = _confirmed(world, "binh@vi-du.vn")
    revision = make_revision(world)
    message = email.build_message(revision=revision, subscriber=subscriber)
    assert message.send() == 1
    [mail] = smtp_server
    link = f"{SITE}/nhan-canh-bao/huy/{subscriber.token}/"
    # (A long header is folded: the value starts on the next line, after a space.)
    assert mail["List-Unsubscribe"].strip() == f"<{link}>"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    message_id = mail["Message-ID"].strip()
    assert message_id == email.message_id(revision=revision, subscriber=subscriber)
    assert message_id.endswith("@canhgiac.example.vn>")
    assert mail["Subject"].strip() == revision.title
    text = mail.get_body(preferencelist=("plain",)).get_content()
    html = mail.get_body(preferencelist=("html",)).get_content()
    assert revision.public_url in text and link in text
    assert revision.body_html in html and link in html
    # The same delivery built again has the same id; another subscriber has another.
    again = email.build_message(revision=revision, subscriber=subscriber)
    assert again.extra_headers["Message-ID"] == message_id
    other = email.build_message(revision=revision, subscriber=_confirmed(world, "c@vi-du.vn"))
    assert other.extra_headers["Message-ID"] != message_id


def test_a_correction_mail_says_so(world, smtp_server):
    subscriber = _confirmed(world, "binh@vi-du.vn")
    revision = make_revision(world, number=2)
    revision.correction_note = "Sửa số điện thoại của ngân hàng."
    email.build_message(revision=revision, subscriber=subscriber).send()
    [mail] = smtp_server
    assert mail["Subject"].strip().startswith("[Đính chính]")
    assert "Sửa số điện thoại của ngân hàng." in mail.get_body(("plain",)).get_content()


def test_one_click_post_unsubscribes_without_a_page_or_csrf_token(world, smtp_server):
    subscriber = _confirmed(world, "binh@vi-du.vn")
    email.build_message(revision=make_revision(world), subscriber=subscriber).send()
    path = urlsplit(smtp_server[0]["List-Unsubscribe"].strip().strip("<>")).path
    mail_client = Client(enforce_csrf_checks=True)  # no cookie, no token: like Gmail's POST
    response = mail_client.post(
        path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200 and response.content == b""
    subscriber.refresh_from_db()
    assert subscriber.status == SubscriberStatus.UNSUBSCRIBED and subscriber.unsubscribed_at
    assert not email.recipients(mailing_list=subscriber.mailing_list).exists()
    # Sent again (a retrying mail client): still fine, nothing changes.
    again = mail_client.post(
        path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert again.status_code == 200


def test_the_unsubscribe_page_needs_the_button(client, world):
    subscriber = _confirmed(world, "binh@vi-du.vn")
    path = reverse("bulletins:unsubscribe", kwargs={"token": subscriber.token})
    page = client.get(path)
    assert b'data-testid="unsubscribe"' in page.content
    subscriber.refresh_from_db()
    assert subscriber.status == SubscriberStatus.CONFIRMED  # a GET (a scanner) changes nothing
    response = Client(enforce_csrf_checks=True).post(path)
    assert b'data-testid="unsubscribed"' in response.content
    subscriber.refresh_from_db()
    assert subscriber.status == SubscriberStatus.UNSUBSCRIBED
    assert client.post("/nhan-canh-bao/huy/khong-co/").status_code == 404


def test_lists_are_per_unit(subscribe, client, world, smtp_server):
    subscribe(address="an@vi-du.vn", unit="D1-C1")
    subscribe(address="an@vi-du.vn", unit="P")
    subscribe(address="binh@vi-du.vn", unit="D2-C1")
    assert MailingList.objects.count() == 3
    assert len(smtp_server) == 3
    Subscriber.objects.update(status=SubscriberStatus.CONFIRMED)
    commune = MailingList.objects.get(unit=world.unit("D1-C1"))
    assert [s.email for s in email.recipients(mailing_list=commune)] == ["an@vi-du.vn"]
    # Unsubscribing from the commune's list keeps the province's.
    subscriptions.unsubscribe(subscriber=Subscriber.objects.get(mailing_list=commune))
    province = MailingList.objects.get(unit=world.unit("P"))
    assert email.recipients(mailing_list=province).count() == 1
    # Only the province and the units people live in are offered (not a department).
    assert subscribe(unit="S1").status_code == 400


def test_stale_addresses_are_purged(world, immediate_tasks):
    from bulletins.tasks import purge_stale_subscribers_task

    old = timezone.now() - timedelta(days=40)
    pending = _confirmed(world, "cu@vi-du.vn")
    Subscriber.objects.filter(pk=pending.pk).update(status=SubscriberStatus.PENDING, created_at=old)
    gone = _confirmed(world, "di@vi-du.vn")
    Subscriber.objects.filter(pk=gone.pk).update(
        status=SubscriberStatus.UNSUBSCRIBED, unsubscribed_at=old
    )
    kept = _confirmed(world, "o-lai@vi-du.vn")
    fresh = _confirmed(world, "moi@vi-du.vn")
    Subscriber.objects.filter(pk=fresh.pk).update(status=SubscriberStatus.PENDING)
    assert subscriptions.purge_stale() == 2
    assert set(Subscriber.objects.values_list("pk", flat=True)) == {kept.pk, fresh.pk}
    # The daily task does the same: what is left is kept, a second old address goes.
    again = _confirmed(world, "cu-nua@vi-du.vn")
    Subscriber.objects.filter(pk=again.pk).update(status=SubscriberStatus.PENDING, created_at=old)
    assert purge_stale_subscribers_task.enqueue().return_value == 1
    assert set(Subscriber.objects.values_list("pk", flat=True)) == {kept.pk, fresh.pk}


def _parsed(raw: bytes):
    from email import message_from_bytes, policy

    return message_from_bytes(raw, policy=policy.default)


def test_the_prepared_mail_says_what_django_would_have_written(world):
    subscriber = _confirmed(world, "binh@vi-du.vn")
    revision = make_revision(world)
    fast = email.build_message(revision=revision, subscriber=subscriber)
    assert isinstance(fast, email.PreparedMessage)
    link = email.unsubscribe_url(subscriber)
    slow = email._message(
        str(fast.subject),
        str(fast.body),
        str(fast.alternatives[0][0]),
        to=subscriber.email,
        link=link,
        headers=fast.extra_headers,
    )
    a = _parsed(fast.message().as_bytes(linesep="\r\n"))
    b = _parsed(slow.message().as_bytes(linesep="\r\n"))
    for name in ("Subject", "To", "From", "Message-ID", "List-Unsubscribe", "List-Id"):
        assert str(a[name]).strip() == str(b[name]).strip(), name
    for kind in ("plain", "html"):
        assert a.get_body((kind,)).get_content() == b.get_body((kind,)).get_content()
    assert "__UNSUBSCRIBE_URL__" not in a.get_body(("plain",)).get_content()


def test_unusual_addresses_and_long_lines_take_the_long_way(world, smtp_server):
    revision = make_revision(world)
    revision.body_html = "<p>" + "rất dài " * 300 + "</p>"  # one line over 998 characters
    idn = _confirmed(world, "an@bưu-điện.vn")
    plain = _confirmed(world, "binh@vi-du.vn")
    for subscriber in (idn, plain):
        message = email.build_message(revision=revision, subscriber=subscriber)
        assert isinstance(message, email.PreparedMessage) == (subscriber == plain)
        message.send()
    assert [m["X-Envelope-To"] for m in smtp_server] == [
        "an@" + "bưu-điện.vn".encode("idna").decode(),
        plain.email,
    ]
    for mail, subscriber in zip(smtp_server, (idn, plain), strict=True):
        link = email.unsubscribe_url(subscriber)
        assert mail["List-Unsubscribe"].strip() == f"<{link}>"
        assert link in mail.get_body(("html",)).get_content()


def test_a_mail_server_down_lets_the_person_try_again_at_once(subscribe, settings, smtp_server):
    port = settings.EMAIL_PORT
    settings.EMAIL_PORT = 19701  # nothing listens there (a port of this app's tests' range)
    response = subscribe()
    assert response.status_code == 200  # the page does not break
    assert Subscriber.objects.get().confirmation_sent_at is None
    settings.EMAIL_PORT = port
    subscribe()
    assert len(smtp_server) == 1
