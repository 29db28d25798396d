"""What the staff home page offers. Each app registers its own staff pages in its AppConfig.ready,
so orgs never imports the apps that depend on it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.urls import reverse

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class StaffAction:
    permission: str
    label: StrOrPromise  # translated when the page is rendered
    url_name: str
    order: int
    # One click: the staff home also shows it as a button that POSTs to `url` at once.
    post: bool = False

    @property
    def url(self) -> str:
        return reverse(self.url_name)


_ACTIONS: dict[str, StaffAction] = {}


def register_staff_actions(
    first_order: int, *actions: tuple[str, StrOrPromise, str], post: bool = False
) -> None:
    """Register (permission, label, url name) entries, in this order from `first_order`;
    `post`: one-click actions (their view takes a POST with no fields but the CSRF token)."""
    for step, (permission, label, url_name) in enumerate(actions):
        order = first_order + 10 * step
        _ACTIONS[url_name] = StaffAction(permission, label, url_name, order, post=post)


def actions_for(permissions: set[str]) -> list[StaffAction]:
    """The staff pages open to someone holding `permissions`, in menu order."""
    chosen = [a for a in _ACTIONS.values() if a.permission in permissions]
    return sorted(chosen, key=lambda a: (a.order, a.url_name))
