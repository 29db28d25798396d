import pytest
from django.urls import reverse

from orgs.access import can_act, permissions_of, require_unit, units_for
from orgs.models import Permission, Unit

pytestmark = pytest.mark.django_db


def codes(queryset) -> set[str]:
    return set(queryset.values_list("code", flat=True))


def test_district_verifier_acts_only_on_own_district_and_its_communes(world):
    verifier = world.person("verifier_d1")
    assert codes(units_for(verifier, Permission.VERIFY_REPORTS)) == {"D1", "D1-C1", "D1-C2"}
    assert can_act(verifier, Permission.VERIFY_REPORTS, world.unit("D1-C2"))
    assert not can_act(verifier, Permission.VERIFY_REPORTS, world.unit("D2-C1"))
    assert not can_act(verifier, Permission.VERIFY_REPORTS, world.unit("P"))


def test_district_verifier_cannot_act_on_another_districts_data(world):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        require_unit(world.person("verifier_d1"), Permission.VERIFY_REPORTS, world.unit("D2"))


def test_province_verifier_can_act_on_every_district(world):
    verifier = world.person("verifier_province")
    assert codes(units_for(verifier, Permission.VERIFY_REPORTS)) == codes(Unit.objects.all())
    require_unit(verifier, Permission.VERIFY_REPORTS, world.unit("D2-C1"))


def test_roles_grant_only_their_permissions(world):
    assert not units_for(world.person("editor"), Permission.VERIFY_REPORTS).exists()
    assert not units_for(world.person("staff_d1_c1"), Permission.MANAGE_TRAINING).exists()
    assert codes(units_for(world.person("manager_d2"), Permission.MANAGE_TRAINING)) == {
        "D2",
        "D2-C1",
    }
    assert Permission.MANAGE_UNITS in permissions_of(world.person("admin"))
    assert Permission.MANAGE_UNITS not in permissions_of(world.person("verifier_province"))


def test_inactive_or_anonymous_people_act_on_nothing(world):
    from django.contrib.auth.models import AnonymousUser

    assert not units_for(AnonymousUser(), Permission.VIEW_UNIT).exists()
    person = world.person("verifier_province")
    person.is_active = False
    assert not units_for(person, Permission.VERIFY_REPORTS).exists()


def test_manager_cannot_open_another_districts_unit_page(client, world):
    client.force_login(world.person("manager_d1"))
    assert client.get(reverse("unit-detail", args=["D1-C1"])).status_code == 200
    response = client.get(reverse("unit-detail", args=["D2-C1"]))
    assert response.status_code == 403
    assert "staff_d2_c1" not in response.content.decode()


def test_unit_list_shows_only_units_in_scope(client, world):
    client.force_login(world.person("staff_d1_c1"))
    body = client.get(reverse("unit-list")).content.decode()
    assert "Xã Một Một" in body
    assert "Huyện Hai" not in body and "Xã Một Hai" not in body


def test_anonymous_visitor_is_sent_to_sign_in(client, world):
    response = client.get(reverse("staff-home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_staff_home_offers_each_person_only_the_pages_of_their_roles(client, world):
    from orgs.testing import sign_in_verified

    sign_in_verified(client, world.person("verifier_d1"))
    verifier_home = client.get(reverse("staff-home")).content.decode()
    assert reverse("reports:queue") in verifier_home
    assert reverse("training-manage") not in verifier_home

    client.force_login(world.person("manager_d1"))
    manager_home = client.get(reverse("staff-home")).content.decode()
    assert reverse("training-progress") in manager_home
    assert reverse("training-mine") in manager_home
    assert reverse("reports:queue") not in manager_home
