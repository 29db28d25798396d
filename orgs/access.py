"""The one answer to "which units may this person act on for this permission".

Every staff view and API scopes its queries with `units_for` and checks single objects with
`require_unit`; nothing else decides access to unit data.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Concatenate, ParamSpec, Protocol, TypeAlias, TypeGuard, cast

from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect

from .models import ROLE_PERMISSIONS, Unit, UnitQuerySet, User

# Whoever `request.user` is: the access questions below answer "nothing" for an anonymous
# visitor instead of failing, so a view may ask them before it knows who is signed in.
Visitor: TypeAlias = User | AnonymousUser

_P = ParamSpec("_P")
_HELD_KEY = "_held_permissions"


class AuthenticatedHttpRequest(HttpRequest):
    """The request a view behind `staff_required` receives: `user` is a signed-in `User`, so
    the view passes `request.user` on to services that take a `User`."""

    user: User


# A staff view: takes the signed-in request first; what `staff_required` gives back takes any.
StaffView: TypeAlias = Callable[Concatenate[AuthenticatedHttpRequest, _P], HttpResponseBase]
GuardedView: TypeAlias = Callable[Concatenate[HttpRequest, _P], HttpResponseBase]


def roles_granting(permission: str) -> list[str]:
    return [role for role, perms in ROLE_PERMISSIONS.items() if permission in perms]


def _signed_in(user: Visitor) -> TypeGuard[User]:
    """A signed-in, active person: the only kind the questions below answer "yes" for."""
    return bool(getattr(user, "is_authenticated", False)) and user.is_active


def _root_paths(user: Visitor, permission: str) -> list[str] | None:
    """Tree paths of the units where `user` holds `permission` through a role (None: every
    unit, for a superuser; []: none)."""
    if not _signed_in(user):
        return []
    if user.is_superuser:
        return None
    return list(
        Unit.objects.filter(
            role_assignments__user=user, role_assignments__role__in=roles_granting(permission)
        ).values_list("path", flat=True)
    )


def units_for(user: Visitor, permission: str) -> UnitQuerySet:
    """Units on which `user` holds `permission`: each assigned unit and everything below it."""
    paths = _root_paths(user, permission)
    if paths is None:
        return Unit.objects.get_queryset()
    return Unit.objects.within_paths(paths)


def permissions_of(user: Visitor) -> set[str]:
    """Every permission the user holds on at least one unit."""
    if not _signed_in(user):
        return set()
    if user.is_superuser:
        return set(ROLE_PERMISSIONS["admin"])
    # Asked by staff_required and again by views in the same request: remember on the user
    # object, which lives for one request (in its __dict__, as cached_property does).
    held: frozenset[str] | None = user.__dict__.get(_HELD_KEY)
    if held is None:
        roles = set(user.role_assignments.values_list("role", flat=True))
        held = frozenset[str]().union(*(ROLE_PERMISSIONS[r] for r in roles))
        user.__dict__[_HELD_KEY] = held
    return set(held)


def can_act(user: Visitor, permission: str, unit: Unit) -> bool:
    paths = _root_paths(user, permission)
    return paths is None or any(unit.path.startswith(path) for path in paths)


def require_unit(user: Visitor, permission: str, unit: Unit) -> None:
    """Raise PermissionDenied unless `user` holds `permission` on `unit`."""
    if not can_act(user, permission, unit):
        raise PermissionDenied("Bạn không có quyền thao tác trên đơn vị này.")


class _OTPUser(Protocol):
    def is_verified(self) -> bool: ...


def staff_required(
    permission: str | None = None,
) -> Callable[[StaffView[_P]], GuardedView[_P]]:
    """View decorator: signed in (with TOTP where required) and, if given, holding `permission`
    on at least one unit. Unit-level checks stay in the view via units_for/require_unit."""

    def decorator(view: StaffView[_P]) -> GuardedView[_P]:
        @wraps(view)
        def wrapped(
            request: HttpRequest, /, *args: _P.args, **kwargs: _P.kwargs
        ) -> HttpResponseBase:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            # is_verified() costs nothing; needs_otp is a query, asked only when unverified.
            # OTPMiddleware (settings.MIDDLEWARE) gives request.user its is_verified().
            if not cast(_OTPUser, user).is_verified() and user.needs_otp:
                return redirect("otp-verify")
            if permission and permission not in permissions_of(user):
                raise PermissionDenied("Bạn không có quyền truy cập trang này.")
            # The checks above are what makes request.user a signed-in User.
            return view(cast(AuthenticatedHttpRequest, request), *args, **kwargs)

        return wrapped

    return decorator
