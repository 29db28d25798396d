"""Email subscriptions: double opt-in, one list per unit, unsubscribe by the link of each mail.

- `subscribe` makes (or wakes) a pending subscriber and mails a signed confirmation link; it
  answers the same whatever the address's state, so the form tells nobody who subscribes.
  A pending address gets at most one confirmation mail per BULLETINS_CONFIRM_RESEND_MINUTES.
- `confirm` takes the signed link (valid BULLETINS_CONFIRM_DAYS days) and confirms a pending
  subscriber; an unsubscribed one stays unsubscribed (an old link is no way back in).
- `unsubscribe` is what the RFC 8058 POST and the page's button do; repeating it changes nothing.
- `purge_stale` deletes addresses never confirmed and those unsubscribed long enough ago.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from lib.links import absolute_url
from orgs.models import Unit

from .models import MailingList, Subscriber, SubscriberStatus

CONFIRM_SALT = "bulletins.subscriptions.confirm"
logger = logging.getLogger(__name__)


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def normalise_email(address: str) -> str:
    """Trimmed and lower-cased: mailbox names are case-insensitive at every provider people
    here use, and one person must not hold two rows of a list."""
    return address.strip().lower()


def confirmation_url(subscriber: Subscriber) -> str:
    signed = signing.TimestampSigner(salt=CONFIRM_SALT).sign(subscriber.token)
    return absolute_url(reverse("bulletins:subscribe-confirm", kwargs={"signed": signed}))


def subscribe(*, email: str, unit: Unit) -> Subscriber:
    """Ask `email` to confirm a subscription to `unit`'s list (see the module's text)."""
    address = normalise_email(email)
    with transaction.atomic():
        mailing_list, _created = MailingList.objects.get_or_create(unit=unit)
        subscriber, created = Subscriber.objects.select_for_update().get_or_create(
            mailing_list=mailing_list, email=address
        )
        if subscriber.status == SubscriberStatus.CONFIRMED:
            return subscriber
        now = timezone.now()
        resend = timedelta(minutes=_setting("BULLETINS_CONFIRM_RESEND_MINUTES", 10))
        sent = subscriber.confirmation_sent_at
        if not created and sent and now - sent < resend:
            return subscriber  # a second click of the form does not mail again
        subscriber.status = SubscriberStatus.PENDING
        subscriber.confirmation_sent_at = now
        subscriber.save(update_fields=["status", "confirmation_sent_at"])
        transaction.on_commit(lambda: _confirm_after_commit(subscriber))
    return subscriber


def _confirm_after_commit(subscriber: Subscriber) -> None:
    """Mail the confirmation; if the mail server refuses or is down, log it and forget the
    sending time, so that the person's next try mails at once instead of waiting."""
    try:
        send_confirmation(subscriber=subscriber)
    except (OSError, smtplib.SMTPException):
        logger.exception("confirmation mail to subscriber %s failed", subscriber.pk)
        Subscriber.objects.filter(pk=subscriber.pk).update(confirmation_sent_at=None)


def send_confirmation(*, subscriber: Subscriber) -> None:
    context = {
        "unit": subscriber.mailing_list.unit,
        "confirm_url": confirmation_url(subscriber),
        "days": _setting("BULLETINS_CONFIRM_DAYS", 7),
    }
    subject = render_to_string("bulletins/subscriptions/mail_confirm_subject.txt", context)
    body = render_to_string("bulletins/subscriptions/mail_confirm.txt", context)
    message = EmailMessage(
        subject=" ".join(subject.split()),
        body=body,
        from_email=getattr(settings, "BULLETINS_FROM_EMAIL", None),
        to=[subscriber.email],
        headers={"Auto-Submitted": "auto-generated"},
    )
    message.send()


def subscriber_for_confirmation(signed: str) -> Subscriber | None:
    """The subscriber a confirmation link names, if the link is genuine and not too old."""
    max_age = timedelta(days=_setting("BULLETINS_CONFIRM_DAYS", 7))
    try:
        token = signing.TimestampSigner(salt=CONFIRM_SALT).unsign(signed, max_age=max_age)
    except signing.BadSignature:  # SignatureExpired is one too
        return None
    return Subscriber.objects.select_related("mailing_list__unit").filter(token=token).first()


def confirm(*, subscriber: Subscriber) -> bool:
    """Confirm a pending subscriber; False if it was not pending (already confirmed, or
    unsubscribed since the mail was sent)."""
    changed = Subscriber.objects.filter(pk=subscriber.pk, status=SubscriberStatus.PENDING).update(
        status=SubscriberStatus.CONFIRMED, confirmed_at=timezone.now()
    )
    return bool(changed)


def unsubscribe(*, subscriber: Subscriber) -> None:
    Subscriber.objects.filter(pk=subscriber.pk).exclude(
        status=SubscriberStatus.UNSUBSCRIBED
    ).update(status=SubscriberStatus.UNSUBSCRIBED, unsubscribed_at=timezone.now())


def purge_stale(*, now: datetime | None = None) -> int:
    """Delete subscribers never confirmed within BULLETINS_CONFIRM_DAYS and those unsubscribed
    more than BULLETINS_UNSUBSCRIBED_KEEP_DAYS ago (their addresses are personal data with
    no use left); return how many."""
    now = now or timezone.now()
    pending_before = now - timedelta(days=_setting("BULLETINS_CONFIRM_DAYS", 7))
    gone_before = now - timedelta(days=_setting("BULLETINS_UNSUBSCRIBED_KEEP_DAYS", 30))
    pending = Subscriber.objects.filter(
        status=SubscriberStatus.PENDING, created_at__lt=pending_before
    )
    gone = Subscriber.objects.filter(
        status=SubscriberStatus.UNSUBSCRIBED, unsubscribed_at__lt=gone_before
    )
    return pending.delete()[0] + gone.delete()[0]
