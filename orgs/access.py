"""The one answer to "which units may this person act on for this permission".

Every staff view and API scopes its queries with `units_for` and checks single objects with
`require_unit`; nothing else decides access to unit data.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from .models import ROLE_PERMISSIONS, Unit, UnitQuerySet


def roles_granting(permission: str) -> list[str]:
    return [role for role, perms in ROLE_PERMISSIONS.items() if permission in perms]


def units_for(user, permission: str) -> UnitQuerySet:
    """Units on which `user` holds `permission`: each assigned unit and everything below it."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Unit.objects.none()
    if user.is_superuser:
        return Unit.objects.all()
    roots = Unit.objects.filter(
        role_assignments__user=user, role_assignments__role__in=roles_granting(permission)
    ).only("path")
    return Unit.objects.within(list(roots))


def permissions_of(user) -> set[str]:
    """Every permission the user holds on at least one unit."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    if user.is_superuser:
        return set(ROLE_PERMISSIONS["admin"])
    roles = user.role_assignments.values_list("role", flat=True)
    return set().union(*(ROLE_PERMISSIONS[r] for r in roles)) if roles else set()


def can_act(user, permission: str, unit: Unit) -> bool:
    return units_for(user, permission).filter(pk=unit.pk).exists()


def require_unit(user, permission: str, unit: Unit) -> None:
    """Raise PermissionDenied unless `user` holds `permission` on `unit`."""
    if not can_act(user, permission, unit):
        raise PermissionDenied("Bạn không có quyền thao tác trên đơn vị này.")


def is_fully_signed_in(user) -> bool:
    """Signed in, and past the second factor where the person's roles require one."""
    if not getattr(user, "is_authenticated", False):
        return False
    return user.is_verified() if user.needs_otp else True


def staff_required(permission: str | None = None) -> Callable:
    """View decorator: signed in (with TOTP where required) and, if given, holding `permission`
    on at least one unit. Unit-level checks stay in the view via units_for/require_unit."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if user.needs_otp and not user.is_verified():
                return redirect("otp-verify")
            if permission and permission not in permissions_of(user):
                raise PermissionDenied("Bạn không có quyền truy cập trang này.")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
