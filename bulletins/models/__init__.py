"""Bulletins' models, one module per part: content (h16a), channels, outbox."""

from .channels import (
    ChannelAccount,
    ChannelKey,
    MailingList,
    Subscriber,
    SubscriberStatus,
    ZaloFollowerMessage,
)
from .content import (
    KIND_SLUGS,
    RATING_BEST,
    RATING_VALUES,
    RATING_WORST,
    SLUG_KINDS,
    Bulletin,
    BulletinStatus,
    Image,
    Kind,
    Rating,
    Revision,
    RevisionState,
    Source,
)
from .outbox import Channel, DeliveryStatus, EmailDelivery, OutboxItem

__all__ = [
    "KIND_SLUGS",
    "SLUG_KINDS",
    "RATING_BEST",
    "RATING_VALUES",
    "RATING_WORST",
    "Bulletin",
    "BulletinStatus",
    "Image",
    "Kind",
    "Rating",
    "Revision",
    "RevisionState",
    "Source",
    "ChannelAccount",
    "ChannelKey",
    "MailingList",
    "Subscriber",
    "SubscriberStatus",
    "ZaloFollowerMessage",
    "Channel",
    "DeliveryStatus",
    "EmailDelivery",
    "OutboxItem",
]
