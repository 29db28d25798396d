"""The outbox and the post channels, against the fake Zalo and Facebook servers: one post per
revision, a timeout answered by asking the channel before posting again, rate limits waited
out, a refused token parked for the admin, the remote id recorded."""

from datetime import timedelta

import pytest
from django.utils import timezone

from bulletins import outbox
from bulletins.models import Channel, ChannelAccount, DeliveryStatus, OutboxItem

from .outbox_support import published_revision


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = "https://canhgiac.example.vn"
    settings.BULLETINS_OUTBOX_BACKOFF_SECONDS = 30


def due_now(item: OutboxItem) -> None:
    OutboxItem.objects.filter(pk=item.pk).update(not_before=timezone.now())


def feed_posts(server) -> int:
    return sum(1 for r in server.requests if r.method == "POST" and r.path.endswith("/feed"))


def test_each_channel_gets_one_post_with_its_id_recorded(
    world, facebook_account, zalo_account, fake_facebook, fake_zalo
):
    revision = published_revision(world)
    assert outbox.enqueue_deliveries(revision=revision) == 2
    assert outbox.deliver_pending().posts_sent == 2
    assert outbox.deliver_pending().posts_tried == 0
    facebook = OutboxItem.objects.get(revision=revision, channel=Channel.FACEBOOK)
    zalo = OutboxItem.objects.get(revision=revision, channel=Channel.ZALO)
    assert len(fake_facebook.posts) == 1 and len(fake_zalo.broadcasts) == 1
    assert facebook.status == zalo.status == DeliveryStatus.SENT
    assert facebook.remote_id == fake_facebook.posts[0]["id"]
    assert revision.public_url in fake_facebook.posts[0]["message"]
    assert zalo.remote_id


def test_after_a_timeout_the_channel_is_asked_before_posting_again(
    world, facebook_account, fake_facebook, settings
):
    settings.CHANNELS_HTTP_TIMEOUT = 0.5
    fake_facebook.delay_next("feed", 2)  # stored at once, answered too late
    revision = published_revision(world)
    outbox.enqueue_deliveries(revision=revision)
    outbox.deliver_pending()
    item = OutboxItem.objects.get(revision=revision)
    assert item.status == DeliveryStatus.QUEUED and item.uncertain
    assert "timeout" in item.last_error
    assert len(fake_facebook.posts) == 1
    due_now(item)
    outbox.deliver_pending()
    item.refresh_from_db()
    assert item.status == DeliveryStatus.SENT and item.attempts == 2
    assert item.remote_id == fake_facebook.posts[0]["id"]
    assert feed_posts(fake_facebook) == 1  # found by reading the feed, never posted twice


def test_a_worker_that_died_mid_post_makes_the_next_one_ask_first(
    world, facebook_account, fake_facebook
):
    revision = published_revision(world)
    outbox.enqueue_deliveries(revision=revision)
    claimed = outbox.claim_post()
    assert claimed is not None
    fake_facebook_channel_post(revision)  # the dead worker's post reached Facebook
    later = timezone.now() + outbox.lease() + timedelta(seconds=1)
    again = outbox.claim_post(now=later)
    assert again is not None
    assert again.pk == claimed.pk and again.uncertain
    assert outbox.send_post(item=again)
    assert feed_posts(fake_facebook) == 1
    assert OutboxItem.objects.get(pk=claimed.pk).remote_id == fake_facebook.posts[0]["id"]


def fake_facebook_channel_post(revision) -> None:
    from bulletins.channels import get_post_channel

    get_post_channel("facebook").post(revision=revision)


def test_a_rate_limit_waits_then_posts(world, facebook_account, fake_facebook):
    fake_facebook.fail_next(613)
    revision = published_revision(world)
    outbox.enqueue_deliveries(revision=revision)
    outbox.deliver_pending()
    item = OutboxItem.objects.get(revision=revision)
    assert item.status == DeliveryStatus.QUEUED and "613" in item.last_error
    assert item.not_before > timezone.now() + timedelta(seconds=14)
    assert fake_facebook.posts == []
    due_now(item)
    outbox.deliver_pending()
    item.refresh_from_db()
    assert item.status == DeliveryStatus.SENT and len(fake_facebook.posts) == 1


def test_a_refused_token_waits_for_the_admin_with_facebooks_words(
    world, facebook_account, fake_facebook
):
    fake_facebook.revoke_token()
    revision = published_revision(world)
    outbox.enqueue_deliveries(revision=revision)
    outbox.deliver_pending()
    item = OutboxItem.objects.get(revision=revision)
    assert item.status == DeliveryStatus.WAITING
    assert "Error validating access token" in item.last_error and "190" in item.last_error
    assert outbox.deliver_pending().posts_tried == 0  # it waits, it does not hammer
    account = ChannelAccount.objects.get(key="facebook")
    account.set_credentials({"page_id": fake_facebook.page_id, "page_token": fake_facebook.token})
    account.needs_new_token = False
    account.save()
    assert outbox.resume_waiting(channel="facebook") == 1
    outbox.deliver_pending()
    item.refresh_from_db()
    assert item.status == DeliveryStatus.SENT and len(fake_facebook.posts) == 1


def test_new_credentials_on_the_channel_page_send_the_waiting_posts(
    client, world, facebook_account, fake_facebook
):
    from django.urls import reverse

    from orgs.testing import sign_in_verified

    fake_facebook.revoke_token()
    revision = published_revision(world)
    outbox.enqueue_deliveries(revision=revision)
    outbox.deliver_pending()
    item = OutboxItem.objects.get(revision=revision)
    assert item.status == DeliveryStatus.WAITING
    sign_in_verified(client, world.person("admin"))
    edit = reverse("bulletins:channel-edit", kwargs={"key": "facebook"})
    data = {"page_id": fake_facebook.page_id, "page_token": fake_facebook.token}
    assert client.post(edit, data).status_code == 302
    outbox.deliver_pending()
    item.refresh_from_db()
    assert item.status == DeliveryStatus.SENT and len(fake_facebook.posts) == 1


def test_a_post_failing_every_attempt_ends_failed(world, facebook_account, fake_facebook, settings):
    settings.BULLETINS_OUTBOX_MAX_ATTEMPTS = 3
    fake_facebook.fail_next(4, times=5)
    revision = published_revision(world)
    outbox.enqueue_deliveries(revision=revision)
    item = OutboxItem.objects.get(revision=revision)
    for _ in range(3):
        due_now(item)
        outbox.deliver_pending()
    item.refresh_from_db()
    assert item.status == DeliveryStatus.FAILED and item.attempts == 3
    assert "(#4) Application request limit reached" in item.last_error
