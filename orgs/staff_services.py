"""What unit admins do from the staff pages (orgs/staff_views.py): issue and revoke partner keys,
unlock accounts protected after failed sign-ins. Each write leaves an entry in Django's admin
log (the object's history in the admin, "Hoạt động gần đây"): orgs sits below reports, whose
audit log is about cases and indicators."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.db import transaction
from django.db.models import Model, Q, QuerySet
from django.utils import timezone

from . import lockout, partners
from .access import units_for
from .models import PartnerKey, Permission, RoleAssignment, SignInThrottle, Unit, User

log = logging.getLogger(__name__)


def _audit(*, actor: User, obj: Model, flag: int, message: str) -> None:
    LogEntry.objects.log_actions(actor.pk, [obj], flag, change_message=message, single_object=True)


# --- partner keys ---------------------------------------------------------------------------------


def partner_keys_for(user: User) -> QuerySet[PartnerKey]:
    """The keys of the units `user` manages (each unit and everything below it)."""
    scope = units_for(user, Permission.MANAGE_UNITS)
    return PartnerKey.objects.filter(unit__in=scope).select_related("unit")


def issue_partner_key(
    *, actor: User, name: str, unit: Unit, rate_per_minute: int
) -> tuple[PartnerKey, str]:
    """Issue a key on `unit`; the raw key is returned once, to be shown once, never stored or
    logged (only its first characters, which the list shows too)."""
    with transaction.atomic():
        key, raw = PartnerKey.issue(name=name, unit=unit, rate_per_minute=rate_per_minute)
        _audit(actor=actor, obj=key, flag=ADDITION, message="Cấp khoá API đối tác")
    log.info("partner key %s issued by %s for %s", key.prefix, actor.get_username(), unit.code)
    return key, raw


def revoke_partner_key(*, actor: User, key: PartnerKey) -> bool:
    """Revoke `key` (False when it already was). This process forgets the keys it remembers at
    once; other processes stop accepting it within orgs.partners.KEY_TTL_S seconds."""
    with transaction.atomic():
        revoked = PartnerKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        if revoked:
            _audit(actor=actor, obj=key, flag=CHANGE, message="Thu hồi khoá API đối tác")
    partners.forget()
    if revoked:
        log.info("partner key %s revoked by %s", key.prefix, actor.get_username())
    return bool(revoked)


# --- accounts protected after failed sign-ins -----------------------------------------------------


def people_in_scope(user: User) -> QuerySet[User]:
    """The accounts `user` may unlock: people whose home unit or roles lie in the units `user`
    manages, and none outside them (so a commune's admin never acts for the province's staff).
    Superusers are unlocked by superusers only."""
    if user.is_superuser:
        return User.objects.all()
    scope = units_for(user, Permission.MANAGE_UNITS)
    elsewhere = RoleAssignment.objects.exclude(unit__in=scope).values("user_id")
    return (
        User.objects.filter(
            Q(home_unit__in=scope) | Q(home_unit__isnull=True, role_assignments__unit__in=scope)
        )
        .exclude(Q(pk__in=elsewhere) | Q(is_superuser=True))
        .distinct()
    )


@dataclass(frozen=True)
class LockedAccount:
    person: User
    protected_until: datetime | None  # the per-account delay (orgs/lockout.py)
    locked_addresses: list[str]  # axes' locks, per address


def locked_accounts(user: User) -> list[LockedAccount]:
    """Accounts in `user`'s scope that cannot sign in now from somewhere, by user name."""
    now = lockout.now()
    delays = dict(
        SignInThrottle.objects.filter(blocked_until__gt=now).values_list(
            "username", "blocked_until"
        )
    )
    attempts = AccessAttempt.objects.filter(failures_since_start__gte=settings.AXES_FAILURE_LIMIT)
    if cool_off := get_cool_off():
        attempts = attempts.filter(attempt_time__gte=timezone.now() - cool_off)
    addresses: dict[str, list[str]] = {}
    for username, address in attempts.values_list("username", "ip_address"):
        addresses.setdefault(username, []).append(address or "?")
    names = set(delays) | set(addresses)
    people = people_in_scope(user).filter(username__in=names).order_by("username")
    return [
        LockedAccount(p, delays.get(p.username), sorted(addresses.get(p.username, [])))
        for p in people
    ]


def unlock_person(*, actor: User, person: User) -> int:
    """Lift both protections of `person`'s account (orgs.lockout.unlock_account)."""
    removed = lockout.unlock_account(username=person.get_username())
    _audit(actor=actor, obj=person, flag=CHANGE, message="Mở khoá đăng nhập")
    log.info("account %s unlocked by %s", person.get_username(), actor.get_username())
    return removed
