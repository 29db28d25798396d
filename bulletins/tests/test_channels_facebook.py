"""The Facebook Page client against the fake Graph API (bulletins/testing/fake_facebook.py)."""

from __future__ import annotations

import pytest

from bulletins.channels import get_post_channel
from bulletins.channels.base import NeedsNewToken, Permanent, RetryLater
from bulletins.channels.facebook import post_text
from bulletins.models import ChannelAccount

from .conftest import make_revision

pytestmark = pytest.mark.django_db


def test_post_publishes_on_the_page_feed_with_the_link(world, facebook_account, fake_facebook):
    revision = make_revision(world)
    remote_id = get_post_channel("facebook").post(revision=revision)
    assert remote_id.startswith(f"{fake_facebook.page_id}_")
    [post] = fake_facebook.posts
    assert post["id"] == remote_id
    assert post["link"] == revision.public_url
    assert revision.public_url in post["message"] and revision.title in post["message"]
    [request] = [r for r in fake_facebook.requests if r.method == "POST"]
    assert request.path == f"/v23.0/{fake_facebook.page_id}/feed"
    assert request.headers["authorization"] == f"Bearer {fake_facebook.token}"


def test_expired_token_needs_a_new_one_and_is_shown_to_the_admin(
    world, facebook_account, fake_facebook
):
    fake_facebook.revoke_token()
    with pytest.raises(NeedsNewToken) as raised:
        get_post_channel("facebook").post(revision=make_revision(world))
    assert raised.value.code == "190"
    account = ChannelAccount.objects.get(key="facebook")
    assert account.needs_new_token
    assert "190" in account.last_error
    assert fake_facebook.posts == []


@pytest.mark.parametrize("code", [4, 17, 32, 613])
def test_rate_limits_mean_retry_later(world, facebook_account, fake_facebook, code):
    fake_facebook.fail_next(code)
    channel = get_post_channel("facebook")
    revision = make_revision(world)
    with pytest.raises(RetryLater) as raised:
        channel.post(revision=revision)
    assert raised.value.code == str(code)
    assert raised.value.after_seconds == 30  # FACEBOOK_RATE_LIMIT_WAIT of the fixture
    assert not raised.value.maybe_delivered
    assert not ChannelAccount.objects.get(key="facebook").needs_new_token
    # The limit over, the same post goes out once.
    assert channel.post(revision=revision) == fake_facebook.posts[0]["id"]
    assert len(fake_facebook.posts) == 1


def test_duplicate_answers_the_post_already_there(world, facebook_account, fake_facebook):
    revision = make_revision(world)
    channel = get_post_channel("facebook")
    first = channel.post(revision=revision)
    # Posting the same text again: Facebook says #506; the client finds the first post.
    assert channel.post(revision=revision) == first
    assert len(fake_facebook.posts) == 1
    codes = [r for r in fake_facebook.requests if r.method == "POST"]
    assert len(codes) == 2


def test_duplicate_without_our_link_is_permanent(world, facebook_account, fake_facebook):
    fake_facebook.fail_next(506)
    with pytest.raises(Permanent):
        get_post_channel("facebook").post(revision=make_revision(world))


def test_timeout_after_the_post_arrived_is_found_by_find_existing(
    world, facebook_account, fake_facebook, settings
):
    settings.CHANNELS_HTTP_TIMEOUT = 0.3
    revision = make_revision(world)
    channel = get_post_channel("facebook")
    fake_facebook.delay_next("/feed", 1.0)
    with pytest.raises(RetryLater) as raised:
        channel.post(revision=revision)
    assert raised.value.maybe_delivered
    assert channel.find_existing(revision=revision) == fake_facebook.posts[0]["id"]


def test_find_existing_reads_older_pages_and_tells_revisions_apart(
    world, facebook_account, fake_facebook
):
    channel = get_post_channel("facebook")
    old = make_revision(world)
    channel.post(revision=old)
    for _n in range(30):  # pushes the first post to the feed's second page
        channel.post(revision=make_revision(world))
    assert channel.find_existing(revision=old) == fake_facebook.posts[0]["id"]
    assert channel.find_existing(revision=make_revision(world)) is None
    assert any("after" in r.query for r in fake_facebook.requests if r.method == "GET")


def test_a_correction_says_so_and_carries_its_own_link(world, revision):
    revision.number = 2
    revision.correction_note = "Sửa tên ngân hàng."
    text = post_text(revision)
    assert text.startswith("[Đính chính] Sửa tên ngân hàng.")
    assert text.endswith(revision.public_url)


def test_no_account_means_waiting_for_the_admin(db):
    with pytest.raises(NeedsNewToken):
        get_post_channel("facebook")
