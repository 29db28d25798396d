"""orgs.access at its edges (issue 15, points 6 and 7): a person without any role, a superuser,
inactive people, roles that grant other permissions, and the staff_required gate. Found by the
mutation run of bench/mutation.py: each test names the rule a changed line would break."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from orgs.access import (
    can_act,
    permissions_of,
    require_unit,
    roles_granting,
    units_for,
)
from orgs.models import ROLE_PERMISSIONS, Permission, Role, RoleAssignment, Unit, User
from orgs.testing import sign_in_verified

pytestmark = pytest.mark.django_db


def codes(queryset) -> set[str]:
    return set(queryset.values_list("code", flat=True))


@pytest.fixture
def nobody(world):
    """Signed up, active, a home unit, and no role at all."""
    return User.objects.create_user("khong_vai_tro", home_unit=world.unit("D1-C1"))


@pytest.fixture
def superuser(world):
    return User.objects.create_user("sieu_quan_tri", is_superuser=True, is_staff=True)


def test_roles_granting_lists_exactly_the_roles_that_hold_the_permission():
    assert set(roles_granting(Permission.VERIFY_REPORTS)) == {Role.VERIFIER, Role.ADMIN}
    assert set(roles_granting(Permission.TAKE_TRAINING)) == set(ROLE_PERMISSIONS)
    assert roles_granting("no_such_permission") == []


def test_a_person_without_roles_acts_on_no_unit(world, nobody):
    for unit in Unit.objects.all():
        assert not can_act(nobody, Permission.VIEW_UNIT, unit)
    assert not units_for(nobody, Permission.VIEW_UNIT).exists()
    assert permissions_of(nobody) == set()
    with pytest.raises(PermissionDenied, match=r"^Bạn không có quyền thao tác trên đơn vị này\.$"):
        require_unit(nobody, Permission.VIEW_UNIT, nobody.home_unit)


def test_a_superuser_acts_everywhere_and_holds_every_permission(world, superuser):
    assert codes(units_for(superuser, Permission.VERIFY_REPORTS)) == codes(Unit.objects.all())
    assert can_act(superuser, Permission.MANAGE_UNITS, world.unit("D2-C1"))
    assert permissions_of(superuser) == set(Permission.values)
    require_unit(superuser, Permission.MANAGE_UNITS, world.unit("P"))


def test_an_inactive_superuser_or_verifier_acts_nowhere(world, superuser):
    verifier = world.person("verifier_d1")
    for person in (superuser, verifier):
        person.is_active = False
        assert not units_for(person, Permission.VERIFY_REPORTS).exists()
        assert not can_act(person, Permission.VERIFY_REPORTS, world.unit("D1-C1"))
        assert permissions_of(person) == set()


def test_anonymous_visitors_hold_nothing(world):
    visitor = AnonymousUser()
    assert permissions_of(visitor) == set()
    assert not can_act(visitor, Permission.VIEW_UNIT, world.unit("P"))
    with pytest.raises(PermissionDenied):
        require_unit(visitor, Permission.VIEW_UNIT, world.unit("P"))


def test_a_role_reaches_its_unit_and_below_but_only_for_its_permissions(world):
    staff = world.person("staff_d1_c1")
    assert codes(units_for(staff, Permission.TAKE_TRAINING)) == {"D1-C1"}
    assert can_act(staff, Permission.TAKE_TRAINING, world.unit("D1-C1"))
    assert not can_act(staff, Permission.TAKE_TRAINING, world.unit("D1"))  # above: no
    assert not can_act(staff, Permission.TAKE_TRAINING, world.unit("D1-C2"))  # beside: no
    assert not can_act(staff, Permission.MANAGE_TRAINING, world.unit("D1-C1"))


def test_permissions_are_the_union_over_every_role_held(world, nobody):
    RoleAssignment.objects.create(user=nobody, unit=world.unit("D1"), role=Role.EDITOR)
    RoleAssignment.objects.create(user=nobody, unit=world.unit("D2"), role=Role.UNIT_MANAGER)
    assert permissions_of(nobody) == set(ROLE_PERMISSIONS[Role.EDITOR]) | set(
        ROLE_PERMISSIONS[Role.UNIT_MANAGER]
    )
    assert codes(units_for(nobody, Permission.MANAGE_TRAINING)) == {"D2", "D2-C1"}
    assert codes(units_for(nobody, Permission.PUBLISH_BULLETINS)) == {"D1", "D1-C1", "D1-C2"}


def test_permissions_are_read_once_per_user_object(world, django_assert_num_queries):
    manager = User.objects.get(username="manager_d1")
    with django_assert_num_queries(1):
        first = permissions_of(manager)
    with django_assert_num_queries(0):
        again = permissions_of(manager)
    assert first == again == set(ROLE_PERMISSIONS[Role.UNIT_MANAGER])


# --- staff_required --------------------------------------------------------------------------


def test_a_signed_in_person_without_the_permission_is_refused_with_403(client, world, nobody):
    client.force_login(nobody)
    response = client.get(reverse("training-manage"))
    assert response.status_code == 403
    assert "không có quyền truy cập trang này" in response.content.decode()


def test_anonymous_visitors_are_sent_to_sign_in_and_back(client, world):
    path = reverse("training-manage")
    response = client.get(path, {"assignment": "1"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert "next=" in response["Location"] and "assignment" in response["Location"]


def test_a_role_that_needs_a_second_factor_is_asked_for_it_first(client, world):
    verifier = world.person("verifier_d1")
    client.force_login(verifier)
    response = client.get(reverse("reports:queue"))
    assert (response.status_code, response["Location"]) == (302, reverse("otp-verify"))
    sign_in_verified(client, verifier)
    assert client.get(reverse("reports:queue")).status_code == 200


def test_a_manager_without_a_second_factor_role_goes_straight_in(client, world):
    client.force_login(world.person("manager_d1"))
    assert client.get(reverse("training-manage")).status_code == 200
