"""The Zalo OA client against the fake Zalo (bulletins/testing/fake_zalo.py)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bulletins.channels import get_post_channel
from bulletins.channels.base import NeedsNewToken, Permanent, RetryLater
from bulletins.channels.zalo import broadcast_wait
from bulletins.models import ChannelAccount, ZaloFollowerMessage

from .conftest import make_revision, save_zalo_account

pytestmark = pytest.mark.django_db
VN = ZoneInfo("Asia/Ho_Chi_Minh")


def test_article_is_created_verified_then_broadcast(world, zalo_account, fake_zalo):
    revision = make_revision(world)
    article_id = get_post_channel("zalo").post(revision=revision)
    [article] = fake_zalo.articles
    assert article["id"] == article_id
    assert article["title"] == revision.title
    assert revision.public_url in article["description"]
    verifies = [r for r in fake_zalo.requests if r.path == "/v2.0/article/verify"]
    assert len(verifies) == fake_zalo.verify_polls  # polled until Zalo had processed it
    [broadcast] = fake_zalo.broadcasts
    element = broadcast["message"]["attachment"]["payload"]["elements"][0]
    assert element == {"media_type": "article", "attachment_id": article_id}
    assert len(ChannelAccount.objects.get(key="zalo").broadcast_times) == 1


def test_expired_token_is_refreshed_and_the_new_pair_stored(world, zalo_account, fake_zalo):
    fake_zalo.expire_token()
    first_refresh = fake_zalo.refresh_token
    get_post_channel("zalo").post(revision=make_revision(world))
    assert fake_zalo.refreshes == [first_refresh]
    stored = ChannelAccount.objects.get(key="zalo").credentials()
    assert stored["access_token"] == fake_zalo.access_token
    assert stored["refresh_token"] == fake_zalo.refresh_token != first_refresh
    assert len(fake_zalo.articles) == 1
    # A second channel object reads the stored pair: no second refresh (the old one is spent).
    get_post_channel("zalo").find_existing(revision=make_revision(world))
    assert len(fake_zalo.refreshes) == 1


def test_an_access_token_about_to_expire_is_refreshed_before_use(world, zalo_account, fake_zalo):
    account = ChannelAccount.objects.get(key="zalo")
    credentials = account.credentials()
    credentials["access_expires_at"] = datetime.now().timestamp() + 60
    account.set_credentials(credentials)
    account.save()
    get_post_channel("zalo").find_existing(revision=make_revision(world))
    assert len(fake_zalo.refreshes) == 1
    assert all(r.headers.get("access_token") != "ZALO-ACCESS-1" for r in fake_zalo.requests)


def test_a_spent_refresh_token_needs_the_admin(world, zalo_account, fake_zalo):
    fake_zalo.expire_token()
    fake_zalo.refresh_token = "issued-elsewhere"  # ours was used by someone else
    with pytest.raises(NeedsNewToken) as raised:
        get_post_channel("zalo").post(revision=make_revision(world))
    assert raised.value.code == "-14020"
    account = ChannelAccount.objects.get(key="zalo")
    assert account.needs_new_token and "-14020" in account.last_error
    assert fake_zalo.articles == []


def test_out_of_quota_waits(world, zalo_account, fake_zalo):
    fake_zalo.fail_next("/v2.0/oa/message", -211)
    channel = get_post_channel("zalo")
    revision = make_revision(world)
    with pytest.raises(RetryLater) as raised:
        channel.post(revision=revision)
    assert raised.value.code == "-211"
    # The retry reuses the article Zalo already has, and broadcasts once.
    assert channel.post(revision=revision) == fake_zalo.articles[0]["id"]
    assert len(fake_zalo.articles) == 1 and len(fake_zalo.broadcasts) == 1


def test_a_rate_limit_waits_a_minute_not_the_quota_hour(world, zalo_account, fake_zalo):
    fake_zalo.fail_next("/v2.0/oa/message", -32)
    with pytest.raises(RetryLater) as raised:
        get_post_channel("zalo").post(revision=make_revision(world))
    assert raised.value.code == "-32"
    assert raised.value.after_seconds == 60


def test_the_rate_limit_wait_is_a_setting(world, zalo_account, fake_zalo, settings):
    settings.ZALO_RATE_LIMIT_WAIT = 5
    fake_zalo.fail_next("/v2.0/oa/message", -32)
    with pytest.raises(RetryLater) as raised:
        get_post_channel("zalo").post(revision=make_revision(world))
    assert raised.value.after_seconds == 5


def test_tier_without_broadcast_is_permanent(world, zalo_account, fake_zalo):
    fake_zalo.fail_next("/v2.0/oa/message", -224)
    with pytest.raises(Permanent) as raised:
        get_post_channel("zalo").post(revision=make_revision(world))
    assert raised.value.code == "-224"


def test_one_broadcast_a_day_then_the_next_waits(world, zalo_account, fake_zalo):
    channel = get_post_channel("zalo")
    channel.post(revision=make_revision(world))
    with pytest.raises(RetryLater) as raised:
        channel.post(revision=make_revision(world))
    assert raised.value.code == "quota"
    assert 60 < raised.value.after_seconds <= 24 * 3600 + 60
    assert len(fake_zalo.broadcasts) == 1 and len(fake_zalo.articles) == 1


def test_broadcast_quota_counts_vietnamese_days_and_months():
    now = datetime(2026, 3, 20, 9, 0, tzinfo=VN)
    assert broadcast_wait([], now=now) == 0
    yesterday_late = (now - timedelta(hours=10)).isoformat()  # 19 March, 23:00
    assert broadcast_wait([yesterday_late], now=now) == 0
    this_morning = (now - timedelta(hours=2)).isoformat()
    assert broadcast_wait([this_morning], now=now) == 15 * 3600 + 60  # until midnight in VN
    four = [datetime(2026, 3, d, 8, tzinfo=VN).isoformat() for d in (2, 5, 9, 12)]
    wait = broadcast_wait(four, now=now)
    assert now + timedelta(seconds=wait) == datetime(2026, 4, 1, 0, 1, tzinfo=VN)
    february = [datetime(2026, 2, d, 8, tzinfo=VN).isoformat() for d in (2, 5, 9, 12)]
    assert broadcast_wait(february, now=now) == 0


def test_followers_mode_messages_each_follower_once(world, db, fake_zalo):
    save_zalo_account(fake_zalo, mode="followers")
    fake_zalo.followers.extend(f"user-x{n}" for n in range(60))  # two pages of the list
    channel = get_post_channel("zalo")
    revision = make_revision(world)
    fake_zalo.quota = 30
    with pytest.raises(RetryLater):  # the monthly allowance ends halfway
        channel.post(revision=revision)
    assert len(fake_zalo.messages) == 30
    fake_zalo.quota = 100
    channel.post(revision=revision)
    sent_to = [m["recipient"]["user_id"] for m in fake_zalo.messages]
    assert sorted(sent_to) == sorted(fake_zalo.followers)  # each once, none twice
    assert ZaloFollowerMessage.objects.filter(revision=revision).count() == 63
    assert fake_zalo.broadcasts == [] and len(fake_zalo.articles) == 1
    button = fake_zalo.messages[0]["message"]["attachment"]["payload"]["buttons"][0]
    assert button["payload"]["url"] == revision.public_url


def test_find_existing_looks_for_the_revision_link(world, zalo_account, fake_zalo):
    channel = get_post_channel("zalo")
    posted = make_revision(world)
    article_id = channel.post(revision=posted)
    assert channel.find_existing(revision=posted) == article_id
    assert channel.find_existing(revision=make_revision(world)) is None


def test_article_still_processing_is_retried_and_found(world, zalo_account, fake_zalo, settings):
    settings.ZALO_VERIFY_ATTEMPTS = 2
    fake_zalo.verify_polls = 3
    channel = get_post_channel("zalo")
    revision = make_revision(world)
    with pytest.raises(RetryLater) as raised:
        channel.post(revision=revision)
    assert raised.value.maybe_delivered
    assert fake_zalo.articles == []  # Zalo has not finished it yet
    # The retry asks about the same article: one article, one broadcast.
    assert channel.post(revision=revision) == fake_zalo.articles[0]["id"]
    creates = [r for r in fake_zalo.requests if r.path == "/v2.0/article/create"]
    assert len(creates) == 1 and len(fake_zalo.broadcasts) == 1
    assert ChannelAccount.objects.get(key="zalo").pending_articles == {}


def test_two_workers_never_spend_the_same_refresh_token(world, zalo_account, fake_zalo):
    first, second = get_post_channel("zalo"), get_post_channel("zalo")  # both hold token 1
    fake_zalo.expire_token()
    first.post(revision=make_revision(world))  # refreshes: token 2, refresh token 2
    # The second still sends token 1, gets -216, and finds the pair the first one stored
    # instead of spending refresh token 1 again (Zalo would answer -14020).
    assert second.find_existing(revision=make_revision(world)) is None
    assert len(fake_zalo.refreshes) == 1
    assert not ChannelAccount.objects.get(key="zalo").needs_new_token
    # Nor does it broadcast a second time today: the quota is read from the database.
    with pytest.raises(RetryLater):
        second.post(revision=make_revision(world))
    assert len(fake_zalo.broadcasts) == 1
