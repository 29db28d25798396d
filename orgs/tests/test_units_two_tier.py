"""Units as they are since 1 July 2025: a province with its communes, wards and special zones
directly below; districts kept only for history."""

from io import StringIO
from typing import Any, cast

import pytest
from django import forms
from django.core.management import call_command

from orgs.forms import UnitAdminForm
from orgs.management.commands.load_demo import DEMO_PEOPLE, UNITS_CSV
from orgs.models import CITIZEN_UNIT_KINDS, NEW_UNIT_KINDS, RoleAssignment, Unit, UnitKind
from orgs.services import UnitImportError, import_units_csv
from orgs.testing import code_of
from orgs.widgets import fold


def _choices(field: forms.Field) -> Any:
    return cast(forms.ChoiceField, field).choices


pytestmark = pytest.mark.django_db

LOCAL = {UnitKind.COMMUNE, UnitKind.WARD, UnitKind.SPECIAL_ZONE}


def test_demo_tree_is_one_province_with_about_130_communes_and_wards_directly_below():
    import_units_csv(text=UNITS_CSV.read_text(encoding="utf-8"))
    province = Unit.objects.get(kind=UnitKind.PROVINCE)
    assert Unit.objects.filter(depth=1).count() == 1
    local = Unit.objects.filter(kind__in=LOCAL)
    assert 120 <= local.count() <= 140
    assert all(
        Unit.objects.get_parent(u) == province for u in local
    )  # two tiers: nothing in between
    assert not Unit.objects.filter(kind=UnitKind.DISTRICT).exists()
    kinds = set(Unit.objects.values_list("kind", flat=True))
    assert kinds >= {"department", "agency", "organisation", "ward", "commune", "special_zone"}
    names = list(local.values_list("name", flat=True))
    assert len(set(names)) == len(names)  # a citizen never has to tell two apart
    assert sum("phu" in fold(n).split() for n in names) >= 5  # the browser test types "phu"


def test_demo_people_have_their_units_and_no_district_is_left(tmp_path):
    out = StringIO()
    call_command("load_demo", stdout=out)
    for username, role, code, _name in DEMO_PEOPLE:
        assert RoleAssignment.objects.get(user__username=username, role=role).unit.code == code
    assert "Đơn vị: thêm" in out.getvalue()


def test_load_demo_still_runs_on_a_database_with_the_old_district_demo_tree():
    old = (
        "code,parent_code,kind,name\nTINH,,province,Tỉnh Cảnh Giác (dữ liệu mẫu)\n"
        "SO-01,TINH,department,Sở Nội vụ\nSO-18,TINH,department,Sở Thông tin và Truyền thông\n"
        "H01,TINH,district,Thành phố An Hoà\nH01-X01,H01,commune,Phường An Hoà\n"
        "CQ-01,TINH,agency,Công an tỉnh\n"
    )
    import_units_csv(text=old)
    call_command("load_demo", stdout=StringIO())
    assert (
        code_of(Unit.objects.get_parent(Unit.objects.get(code="H01-X01"))) == "H01"
    )  # old rows kept as they were
    assert code_of(Unit.objects.get_parent(Unit.objects.get(code="PH-01"))) == "TINH"
    assert Unit.objects.get(code="SO-18").kind == UnitKind.DEPARTMENT


@pytest.mark.parametrize(
    ("line", "ok"),
    [
        ("W,P,ward,Phường Mới", True),
        ("C,P,commune,Xã Mới", True),
        ("Z,P,special_zone,Đặc khu Mới", True),
        ("A,W0,agency,Công an phường", True),
        ("O,C0,organisation,Hội Phụ nữ xã", True),
        ("A2,S0,agency,Chi cục thuộc sở", True),
        ("C2,D0,commune,Xã của huyện cũ", True),  # history: an old tree still imports
        ("W2,D0,ward,Phường dưới huyện", False),
        ("S2,C0,department,Sở dưới xã", False),
        ("C3,W0,commune,Xã dưới phường", False),
        ("Z2,D0,special_zone,Đặc khu dưới huyện", False),
    ],
)
def test_allowed_parents_follow_the_two_tier_tree(line, ok):
    base = "code,parent_code,kind,name\nP,,province,Tỉnh\nW0,P,ward,Phường\nC0,P,commune,Xã\n"
    base += "S0,P,department,Sở\nD0,P,district,Huyện cũ\n"
    if ok:
        assert import_units_csv(text=base + line + "\n").created[-1] == line.split(",")[0]
    else:
        with pytest.raises(UnitImportError, match="Dòng 7: .*không thể trực thuộc"):
            import_units_csv(text=base + line + "\n")


def test_citizens_live_in_communes_wards_and_special_zones():
    assert CITIZEN_UNIT_KINDS >= LOCAL
    assert UnitKind.DEPARTMENT not in CITIZEN_UNIT_KINDS


def test_the_admin_does_not_offer_district_for_a_new_unit_but_keeps_an_existing_one():
    assert UnitKind.DISTRICT not in NEW_UNIT_KINDS
    offered = {value for value, _label in _choices(UnitAdminForm().fields["kind"])}
    assert UnitKind.DISTRICT not in offered and {"ward", "special_zone"} <= offered
    import_units_csv(text="code,parent_code,kind,name\nP,,province,Tỉnh\nD,P,district,Huyện\n")
    editing = UnitAdminForm(instance=Unit.objects.get(code="D"))
    assert UnitKind.DISTRICT in {value for value, _label in _choices(editing.fields["kind"])}
