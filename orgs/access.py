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


def _root_paths(user, permission: str) -> list[str] | None:
    """Tree paths of the units where `user` holds `permission` through a role (None: every
    unit, for a superuser; []: none)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    if user.is_superuser:
        return None
    return list(
        Unit.objects.filter(
            role_assignments__user=user, role_assignments__role__in=roles_granting(permission)
        ).values_list("path", flat=True)
    )


def units_for(user, permission: str) -> UnitQuerySet:
    """Units on which `user` holds `permission`: each assigned unit and everything below it."""
    paths = _root_paths(user, permission)
    if paths is None:
        return Unit.objects.all()
    return Unit.objects.within_paths(paths)


def permissions_of(user) -> set[str]:
    """Every permission the user holds on at least one unit."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    if user.is_superuser:
        return set(ROLE_PERMISSIONS["admin"])
    # Asked by staff_required and again by views in the same request: remember on the user
    # object, which lives for one request.
    held = getattr(user, "_held_permissions", None)
    if held is None:
        roles = set(user.role_assignments.values_list("role", flat=True))
        held = user._held_permissions = frozenset().union(*(ROLE_PERMISSIONS[r] for r in roles))
    return set(held)


def can_act(user, permission: str, unit: Unit) -> bool:
    paths = _root_paths(user, permission)
    return paths is None or any(unit.path.startswith(path) for path in paths)


def require_unit(user, permission: str, unit: Unit) -> None:
    """Raise PermissionDenied unless `user` holds `permission` on `unit`."""
    if not can_act(user, permission, unit):
        raise PermissionDenied("Bạn không có quyền thao tác trên đơn vị này.")


def staff_required(permission: str | None = None) -> Callable:
    """View decorator: signed in (with TOTP where required) and, if given, holding `permission`
    on at least one unit. Unit-level checks stay in the view via units_for/require_unit."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            # is_verified() costs nothing; needs_otp is a query, asked only when unverified.
            if not user.is_verified() and user.needs_otp:
                return redirect("otp-verify")
            if permission and permission not in permissions_of(user):
                raise PermissionDenied("Bạn không có quyền truy cập trang này.")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
