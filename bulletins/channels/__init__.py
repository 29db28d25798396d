"""Outside channels: email (bulletins.channels.email) and the post channels, Zalo OA and
Facebook Page, which the outbox gets with `get_post_channel`."""

from __future__ import annotations

from .base import ChannelError, NeedsNewToken, Permanent, PostChannel, RetryLater


def get_post_channel(key: str) -> PostChannel:
    """The channel `key` ("zalo" / "facebook") with its stored credentials; NeedsNewToken if
    the admin has not entered them (or switched the channel off)."""
    from .facebook import FacebookPage
    from .zalo import ZaloOA

    if key == FacebookPage.key:
        return FacebookPage.from_account()
    if key == ZaloOA.key:
        return ZaloOA.from_account()
    raise Permanent(f"unknown channel {key!r}", code="unknown_channel")


def configured_channels() -> list[str]:
    """Keys of the post channels an admin has set up and switched on: where publishing sends."""
    from ..models import ChannelAccount

    accounts = ChannelAccount.objects.filter(enabled=True).exclude(credentials_encrypted="")
    return sorted(accounts.values_list("key", flat=True))


__all__ = [
    "ChannelError",
    "NeedsNewToken",
    "Permanent",
    "PostChannel",
    "RetryLater",
    "configured_channels",
    "get_post_channel",
]
