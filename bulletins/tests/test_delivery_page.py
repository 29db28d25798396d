"""Point 6: an editor sees each channel's deliveries of a bulletin (queued, sent, failed with
the channel's own error, retried) and queues a failed one again; only on their own units."""

import pytest
from django.urls import reverse

from bulletins import outbox
from bulletins.models import Channel, DeliveryStatus, EmailDelivery, OutboxItem
from orgs.testing import sign_in_verified

from .content_world import add_editor
from .outbox_support import Sink, published_revision, subscribers


@pytest.fixture
def sink(settings):
    server = Sink()
    controller = server.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = (
        "127.0.0.1",
        server.port,
        False,
    )
    settings.SITE_URL = "https://canhgiac.example.vn"
    try:
        yield server
    finally:
        controller.stop()


@pytest.fixture
def delivered(world, sink, facebook_account, fake_facebook):
    """A D1 bulletin: 3 subscribers of D1's list (one refused by the server), Facebook refused
    the token."""
    people = subscribers(world.unit("D1"), 3)
    sink.refuse[people[1].email] = "550 5.1.1 Không có hộp thư này"
    fake_facebook.revoke_token()
    revision = published_revision(world, unit_code="D1")
    outbox.enqueue_deliveries(revision=revision)
    outbox.deliver_pending()
    return revision


def page_of(client, revision):
    return client.get(reverse("bulletins:deliveries", args=[revision.bulletin_id]))


def test_an_editor_sees_each_channel_with_its_own_error(client, world, delivered):
    sign_in_verified(client, world.person("editor"))
    response = page_of(client, delivered)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Huyện Một" in html  # the list's unit
    assert "550 5.1.1 Không có hộp thư này" in html
    assert "n***@vi-du.vn" in html and "nguoi1@vi-du.vn" not in html  # masked address
    assert "Error validating access token" in html
    assert html.count('data-status="failed"') == 1  # the email item
    assert html.count('data-status="waiting"') == 1  # Facebook, waiting for a new token
    assert "đã gửi: 2" in html


def test_a_retried_mail_goes_out_and_the_page_says_it_was_retried(client, world, sink, delivered):
    sign_in_verified(client, world.person("editor"))
    item = OutboxItem.objects.get(revision=delivered, channel=Channel.EMAIL)
    sink.refuse.clear()  # the subscriber's mailbox exists again
    url = reverse("bulletins:delivery-retry", args=[item.pk])
    assert client.get(url).status_code == 405
    response = client.post(url)
    assert response.status_code == 302
    outbox.deliver_pending()
    item.refresh_from_db()
    assert item.status == DeliveryStatus.SENT and item.retries == 1
    assert sorted(sink.addresses()) == sorted(
        EmailDelivery.objects.filter(item=item).values_list("subscriber__email", flat=True)
    )
    html = page_of(client, delivered).content.decode()
    assert "đã gửi lại 1 lần" in html
    assert client.post(url).status_code == 302  # nothing to retry: says so, changes nothing
    item.refresh_from_db()
    assert item.retries == 1


def test_the_page_and_the_retry_refuse_people_outside_the_unit(client, world, delivered):
    item = OutboxItem.objects.get(revision=delivered, channel=Channel.EMAIL)
    retry = reverse("bulletins:delivery-retry", args=[item.pk])
    anonymous = page_of(client, delivered)
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]
    sign_in_verified(client, world.person("verifier_d1"))  # no PUBLISH_BULLETINS
    assert page_of(client, delivered).status_code == 403
    assert client.post(retry).status_code == 403
    sign_in_verified(client, add_editor(world, "editor_d2", "D2"))
    assert page_of(client, delivered).status_code == 404
    assert client.post(retry).status_code == 404
    item.refresh_from_db()
    assert item.status == DeliveryStatus.FAILED and item.retries == 0
    sign_in_verified(client, add_editor(world, "editor_d1", "D1"))
    assert page_of(client, delivered).status_code == 200
