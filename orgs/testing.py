"""A small test world shared by every app's tests: a province with two districts and their
communes, a department, and one person of each role. Built through the real import service."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from django.contrib.auth.hashers import Argon2PasswordHasher, make_password
from django.test import Client

from .models import Role, RoleAssignment, Unit, User
from .services import import_units_csv

WORLD_CSV = """code,parent_code,kind,name
P,,province,Tỉnh Thử Nghiệm
D1,P,district,Huyện Một
D1-C1,D1,commune,Xã Một Một
D1-C2,D1,commune,Xã Một Hai
D2,P,district,Huyện Hai
D2-C1,D2,commune,Xã Hai Một
S1,P,department,Sở Thử Nghiệm
O1,P,organisation,Hội Phụ nữ tỉnh
"""

PASSWORD = "mat-khau-thu-nghiem-2026"  # noqa: S105 (test users only)


@dataclass
class World:
    units: dict[str, Unit] = field(default_factory=dict)
    people: dict[str, User] = field(default_factory=dict)

    def unit(self, code: str) -> Unit:
        return self.units[code]

    def person(self, name: str) -> User:
        return self.people[name]


# name -> (role, unit code)
WORLD_PEOPLE = {
    "admin": (Role.ADMIN, "P"),
    "verifier_province": (Role.VERIFIER, "P"),
    "verifier_d1": (Role.VERIFIER, "D1"),
    "verifier_d2": (Role.VERIFIER, "D2"),
    "editor": (Role.EDITOR, "P"),
    "manager_d1": (Role.UNIT_MANAGER, "D1"),
    "manager_d2": (Role.UNIT_MANAGER, "D2"),
    "drill_operator": (Role.DRILL_OPERATOR, "P"),
    "staff_d1_c1": (Role.STAFF, "D1-C1"),
    "staff_d1_c2": (Role.STAFF, "D1-C2"),
    "staff_d2_c1": (Role.STAFF, "D2-C1"),
}


class QuickArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2 at its lowest cost, for the test suite only (conftest.py): the same algorithm and
    "argon2" hashes, but a check takes about a millisecond instead of 0.14 s. The sign-in
    lock-out tests check twenty wrong passwords each, which cost minutes of CI; the site's own
    cost is canhgiac/settings.py's, checked by orgs/tests/test_signin.py."""

    time_cost = 1
    memory_cost = 8  # KiB, the least argon2 takes with one lane
    parallelism = 1


@cache
def _password_hash() -> str:
    """Hash the shared password once per process (argon2 is slow on purpose)."""
    return make_password(PASSWORD)


def build_world() -> World:
    import_units_csv(text=WORLD_CSV)
    world = World(units={u.code: u for u in Unit.objects.all()})
    for name, (role, code) in WORLD_PEOPLE.items():
        unit = world.units[code]
        user = User.objects.create(
            username=name, password=_password_hash(), first_name=name, home_unit=unit
        )
        RoleAssignment.objects.create(user=user, unit=unit, role=role)
        world.people[name] = user
    return world


def sign_in_verified(client: Client, user: User) -> None:
    """Sign `user` in with the test client as if they had passed password and TOTP."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    client.force_login(user)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()


def code_of(unit: Unit | None) -> str | None:
    """The code of a unit that may be missing (a parent, a successor, a home unit), for asserts."""
    return None if unit is None else unit.code
