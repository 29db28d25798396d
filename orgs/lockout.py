"""Sign-in protection per account, across addresses.

django-axes locks a (user name, address) pair after AXES_FAILURE_LIMIT failures. Someone who
guesses from many addresses stays under that limit everywhere, so this module also counts the
failures of each user name from every address. Past SIGNIN_ACCOUNT_FAILURE_LIMIT failures (none
more than SIGNIN_ACCOUNT_WINDOW_MINUTES apart), every sign-in for that name is refused, right
password or not, for a delay that starts at SIGNIN_ACCOUNT_DELAY_SECONDS and doubles with each
further failure up to SIGNIN_ACCOUNT_MAX_DELAY_MINUTES: guessing slows to a few tries an hour.

The delay never applies to the person's own browsers: a browser that signed in to the account
before carries a signed cookie naming it (an HMAC of the user name, not the name), and an address
the account signed in from lately (axes' access log) is trusted too. So a stranger guessing from
many addresses slows down only strangers, and an admin can lift the delay at once
(`unlock_account`).

axes cannot do this itself: its one AXES_FAILURE_LIMIT and AXES_COOLOFF_TIME apply to every
lock-out parameter, and the cool-off is also its counting window.

The backend below runs after axes' and before Django's ModelBackend; a failure is counted (by
the `user_login_failed` receiver, connected when Django loads the backend, before any sign-in)
only when ModelBackend really checked the password."""

from __future__ import annotations

from datetime import datetime, timedelta

from axes.helpers import get_client_ip_address
from axes.models import AccessLog
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.crypto import salted_hmac

from .models import SignInThrottle

DEVICE_COOKIE = "cg_thiet_bi"
_DEVICE_SALT = "orgs.lockout.device"
_MAX_ACCOUNTS_PER_DEVICE = 10
KNOWN_ADDRESS_DAYS = 30


def now() -> datetime:
    """The clock of this module (tests move it instead of sleeping)."""
    return timezone.now()


def _window() -> timedelta:
    return timedelta(minutes=settings.SIGNIN_ACCOUNT_WINDOW_MINUTES)


def delay_after(failures: int) -> timedelta:
    """How long the account is protected after its `failures`-th failure (0 below the limit)."""
    over = failures - settings.SIGNIN_ACCOUNT_FAILURE_LIMIT
    if over < 0:
        return timedelta(0)
    cap = settings.SIGNIN_ACCOUNT_MAX_DELAY_MINUTES * 60
    return timedelta(seconds=min(settings.SIGNIN_ACCOUNT_DELAY_SECONDS * 2 ** min(over, 30), cap))


def record_failure(*, username: str) -> SignInThrottle:
    at = now()
    with transaction.atomic():
        row, _created = SignInThrottle.objects.select_for_update().get_or_create(
            username=username, defaults={"last_failure_at": at}
        )
        if row.last_failure_at < at - _window():
            row.failures, row.blocked_until = 0, None  # quiet for a whole window: start over
        row.failures += 1
        row.last_failure_at = at
        if delay := delay_after(row.failures):
            row.blocked_until = max(at + delay, row.blocked_until or at)
        row.save()
    # Rows of names nobody tried for a window are of no use (and guesses may invent names).
    SignInThrottle.objects.filter(last_failure_at__lt=at - _window()).filter(
        Q(blocked_until__isnull=True) | Q(blocked_until__lt=at)
    ).delete()
    return row


def protected_until(*, username: str) -> datetime | None:
    return (
        SignInThrottle.objects.filter(username=username, blocked_until__gt=now())
        .values_list("blocked_until", flat=True)
        .first()
    )


def unlock_account(*, username: str) -> int:
    """Lift both protections of one account: the per-account delay and axes' locks of every
    address. Returns how many records were removed."""
    removed, _ = SignInThrottle.objects.filter(username=username).delete()
    unlocked: int = axes_reset(username=username)  # axes ships no type information
    return removed + unlocked


# --- the person's own browsers and addresses ----------------------------------------------------


def _mark(username: str) -> str:
    return salted_hmac(_DEVICE_SALT, username).hexdigest()[:24]


def _device_marks(request: HttpRequest) -> list[str]:
    raw = request.COOKIES.get(DEVICE_COOKIE, "")
    max_age = timedelta(days=settings.SIGNIN_KNOWN_DEVICE_DAYS)
    try:
        marks = signing.loads(raw, salt=_DEVICE_SALT, max_age=max_age)
    except signing.BadSignature:
        return []
    return [m for m in marks if isinstance(m, str)] if isinstance(marks, list) else []


def remember_device(*, request: HttpRequest, response: HttpResponse, username: str) -> None:
    """After a successful sign-in: this browser belongs to someone who knows the password."""
    mark = _mark(username)
    marks = [m for m in _device_marks(request) if m != mark][-(_MAX_ACCOUNTS_PER_DEVICE - 1) :]
    response.set_cookie(
        DEVICE_COOKIE,
        signing.dumps([*marks, mark], salt=_DEVICE_SALT),
        max_age=settings.SIGNIN_KNOWN_DEVICE_DAYS * 86400,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def is_known_client(request: HttpRequest, username: str) -> bool:
    if _mark(username) in _device_marks(request):
        return True
    since = now() - timedelta(days=KNOWN_ADDRESS_DAYS)
    address = get_client_ip_address(request)
    signed_in_lately: bool = AccessLog.objects.filter(
        username=username, ip_address=address, attempt_time__gte=since
    ).exists()
    return signed_in_lately


# --- wiring into django.contrib.auth --------------------------------------------------------------


class AccountThrottleBackend:
    """Refuses every sign-in of a protected account from an unknown client; authenticates no one.

    Deliberately no `get_user` (so not a BaseBackend): Django's `force_login` and session
    loading pick the first backend that has one, and this one must never be it."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: object,
    ) -> None:
        if request is None or not username:
            return None
        until = protected_until(username=username)
        if until is not None and not is_known_client(request, username):
            setattr(request, _PROTECTED_ATTR, until)
            raise PermissionDenied  # stops the backends that would check the password
        setattr(request, _CHECKED_ATTR, True)
        return None


# What the backend learnt about this request, for the sign-in view and for count_failure (Django
# hands both the request, and nothing else from the backend).
_PROTECTED_ATTR = "account_protected_until"
_CHECKED_ATTR = "account_password_checked"


def refused_until(request: HttpRequest) -> datetime | None:
    """When the backend refused this request's sign-in for a protected account: until when."""
    until: datetime | None = getattr(request, _PROTECTED_ATTR, None)
    return until


@receiver(user_login_failed, dispatch_uid="orgs.lockout.count_failure")
def count_failure(
    sender: object,
    credentials: dict[str, str],
    request: HttpRequest | None = None,
    **kwargs: object,
) -> None:
    # Refusals (by axes or by the delay) checked no password: they are not guesses.
    if request is None or not getattr(request, _CHECKED_ATTR, False):
        return
    if username := credentials.get("username"):
        record_failure(username=username)
