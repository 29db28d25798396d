"""Reading a channel's account and writing down what the service answered (the admin's page
shows the last error and whether a new token is needed)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from ..crypto import CredentialsUnreadable
from ..models import ChannelAccount
from .base import ChannelError, NeedsNewToken

if TYPE_CHECKING:
    from orgs.models import User


def load_account(key: str) -> tuple[ChannelAccount, dict[str, Any]]:
    """The enabled account of channel `key` and its credentials; NeedsNewToken when there are
    none to use (never entered, switched off, refused, or encrypted with a key now gone)."""
    account = ChannelAccount.objects.filter(key=key).first()
    if account is None or not account.enabled or not account.has_credentials:
        raise NeedsNewToken(f"{key}: chưa có thông tin đăng nhập", code="not_configured")
    try:
        return account, account.credentials()
    except CredentialsUnreadable as exc:
        error = NeedsNewToken(f"{key}: không giải mã được thông tin đã lưu", code="unreadable")
        record_error(account, error)
        raise error from exc


@contextmanager
def errors_recorded(account: ChannelAccount) -> Iterator[None]:
    """Write down on `account` any ChannelError raised inside, then let it go on: the same for
    every channel's post."""
    try:
        yield
    except ChannelError as error:
        record_error(account, error)
        raise


def record_error(account: ChannelAccount, error: ChannelError) -> None:
    account.last_error = str(error)[:1000]
    account.last_error_at = timezone.now()
    fields = ["last_error", "last_error_at"]
    if isinstance(error, NeedsNewToken):
        account.needs_new_token = True
        fields.append("needs_new_token")
    ChannelAccount.objects.filter(pk=account.pk).update(**{f: getattr(account, f) for f in fields})


def save_credentials(*, key: str, values: dict[str, Any], by: User) -> ChannelAccount:
    """Replace the credentials of channel `key` (encrypted); a refused token is forgotten with
    the old ones, so the channel is in use again and the waiting items go out."""
    account, _created = ChannelAccount.objects.get_or_create(key=key)
    account.set_credentials({k: v for k, v in values.items() if v not in ("", None)})
    account.saved_at = timezone.now()
    account.saved_by = by
    account.needs_new_token = False
    account.enabled = True
    account.save()
    return account


def set_enabled(*, key: str, enabled: bool) -> None:
    ChannelAccount.objects.filter(key=key).update(enabled=enabled)
