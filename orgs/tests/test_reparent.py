"""Re-parenting the tree by a mapping CSV (the 2025 merger): everything moves, nothing is lost,
a dry run or a bad file changes nothing. Runs on SQLite and, with DATABASE_URL, on PostgreSQL."""

import csv
import io
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from orgs.management.commands.load_demo import UNITS_CSV
from orgs.models import PartnerKey, RoleAssignment, Unit, UnitKind, User
from orgs.reparent import MappingError, reparent_units, unit_foreign_keys
from orgs.services import import_units_csv
from orgs.testing import code_of
from reports.models import Case, Report
from reports.tests.factories import make_report
from training.models import Assignment

pytestmark = pytest.mark.django_db

DEMO_MERGER = Path(__file__).resolve().parents[1] / "data" / "demo-merger-2025.csv"

# The two-tier units the old district tree of the shared world merges into.
NEW_UNITS = """code,parent_code,kind,name
W1,P,ward,Phường Mới Một
C9,P,commune,Xã Mới Chín
"""
MERGER = """old_code,new_code
D1-C1,W1
D1-C2,W1
D1,W1
D2-C1,C9
D2,C9
"""
OLD = ["D1", "D1-C1", "D1-C2", "D2", "D2-C1"]


@pytest.fixture
def merged_world(world):
    import_units_csv(text=NEW_UNITS)
    make_report(world.unit("D1-C1"), "0912345678", money=1_000_000)
    make_report(world.unit("D1-C2"), "0912345678")  # the same phone: one case in D1
    make_report(world.unit("D2-C1"), "http://vcb-xac-thuc-lua.com/dang-nhap")
    make_report(world.unit("S1"), "0987000111")  # not mapped: stays
    Assignment.objects.create(
        title="An toàn số", unit=world.unit("D1"), deadline=timezone.now() + timedelta(days=7)
    )
    PartnerKey.issue(name="Nhà mạng", unit=world.unit("D2"))
    # The same person holds the same role on an old unit and on its new unit: one row remains.
    RoleAssignment.objects.create(
        user=world.person("verifier_d1"), unit=Unit.objects.get(code="W1"), role="verifier"
    )
    return world


def rows_pointing_at(codes: list[str]) -> dict[str, int]:
    pks = list(Unit.objects.filter(code__in=codes).values_list("pk", flat=True))
    counts = {}
    for fk in unit_foreign_keys():
        n = fk.model._base_manager.filter(**{f"{fk.attname}__in": pks}).count()
        if n:
            counts[f"{fk.model._meta.label}.{fk.name}"] = n
    return counts


def snapshot() -> dict:
    return {
        "units": sorted(Unit.objects.values_list("code", "path", "numchild", "merged_at")),
        "reports": sorted(Report.objects.values_list("pk", "unit__code")),
        "cases": sorted(Case.objects.values_list("pk", "unit__code")),
        "roles": sorted(RoleAssignment.objects.values_list("user__username", "unit__code", "role")),
        "homes": sorted(User.objects.values_list("username", "home_unit__code")),
        "assignments": sorted(Assignment.objects.values_list("pk", "unit__code")),
        "keys": sorted(PartnerKey.objects.values_list("pk", "unit__code")),
    }


def test_every_fk_to_unit_is_found_through_model_meta():
    found = {f"{fk.model._meta.label}.{fk.name}" for fk in unit_foreign_keys()}
    expected = {"orgs.RoleAssignment.unit", "orgs.User.home_unit", "orgs.PartnerKey.unit"}
    expected |= {"reports.Report.unit", "reports.Case.unit", "training.Assignment.unit"}
    assert expected <= found
    assert "orgs.Unit.successor" not in found


def test_reparenting_keeps_every_report_and_role_and_points_them_at_the_new_unit(merged_world):
    before = snapshot()
    old_reports = {pk: code for pk, code in before["reports"]}
    assert rows_pointing_at(OLD)  # the old units carry reports, cases, roles, people, keys

    result = reparent_units(text=MERGER)

    after = snapshot()
    assert len(after["reports"]) == len(before["reports"]) == 4
    assert len(after["cases"]) == len(before["cases"])
    new_of = {"D1-C1": "W1", "D1-C2": "W1", "D1": "W1", "D2-C1": "C9", "D2": "C9"}
    for pk, code in after["reports"]:
        assert code == new_of.get(old_reports[pk], old_reports[pk])
    assert rows_pointing_at(OLD) == {}  # nothing in any table still points at an old unit
    roles_before = {(u, new_of.get(c, c), r) for u, c, r in before["roles"]}
    assert set(after["roles"]) == roles_before  # every role kept, on its new unit
    assert len(after["roles"]) == len(before["roles"]) - 1  # the duplicate verifier role
    assert result.dropped == {"orgs.RoleAssignment.unit": 1}
    assert dict(after["assignments"]).popitem()[1] == "W1"
    assert dict(after["keys"]).popitem()[1] == "C9"
    assert code_of(User.objects.get(username="staff_d2_c1").home_unit) == "C9"

    for code, new in new_of.items():
        old = Unit.objects.get(code=code)
        assert code_of(old.successor) == new and old.merged_at is not None and not old.is_active
        assert old.current().code == new
    assert Unit.objects.get(code="S1").is_active


def test_reparented_roles_reach_only_the_new_unit(merged_world):
    from orgs.access import units_for

    reparent_units(text=MERGER)
    verifier_d1 = User.objects.get(username="verifier_d1")
    reach = set(units_for(verifier_d1, "verify_reports").active().values_list("code", flat=True))
    assert reach == {"W1"}


def test_children_of_an_old_unit_move_under_the_new_unit(world):
    import_units_csv(text=NEW_UNITS + "A1,D1,agency,Công an huyện Một\n")
    reparent_units(text="old_code,new_code\nD1,P\n")  # the district is gone, its units stay
    assert code_of(Unit.objects.get_parent(Unit.objects.get(code="A1"))) == "P"
    children = {u.code for u in Unit.objects.get_children(Unit.objects.get(code="P"))}
    assert {"A1", "D1-C1", "D1-C2"} <= children
    assert Unit.objects.get(code="D1").numchild == 0
    assert code_of(Unit.objects.get(code="D1").successor) == "P"
    # the communes moved as a whole, and treebeard's own check of paths and counts is clean
    assert all(not problems for problems in Unit.objects.find_problems())


def test_dry_run_changes_nothing_and_prints_counts_per_table(merged_world, tmp_path):
    before = snapshot()
    mapping = tmp_path / "merger.csv"
    mapping.write_text(MERGER, encoding="utf-8")
    out = StringIO()
    call_command("reparent_units", str(mapping), "--dry-run", stdout=out)
    assert snapshot() == before
    text = out.getvalue()
    assert "Chạy thử: chưa thay đổi gì" in text
    assert "reports.Report.unit: 3" in text
    assert "orgs.RoleAssignment.unit: " in text and "training.Assignment.unit: 1" in text
    assert "orgs.PartnerKey.unit: 1" in text
    assert "đánh dấu đã sáp nhập): 5" in text

    call_command("reparent_units", str(mapping), stdout=StringIO())
    assert snapshot() != before
    again = StringIO()
    call_command("reparent_units", str(mapping), stdout=again)  # a second run: nothing to do
    assert "5 dòng đã được chuyển ở lần chạy trước" in again.getvalue()


BAD_MAPPING = """old_code,new_code
D1-C1,W1
NOPE,W1
D1-C2,MISSING
S1,S1
D1-C1,C9
D2,D2-C1
O1,X1
X1,O1
"""


def test_bad_file_is_rejected_with_line_numbers_and_changes_nothing(merged_world, tmp_path):
    import_units_csv(text="code,parent_code,kind,name\nX1,P,organisation,Hội Mới\n")
    before = snapshot()
    with pytest.raises(MappingError) as caught:
        reparent_units(text=BAD_MAPPING)
    errors = caught.value.errors
    assert any(e.startswith("Dòng 3:") and "NOPE" in e for e in errors)
    assert any(e.startswith("Dòng 4:") and "MISSING" in e and "mã mới" in e for e in errors)
    assert any(e.startswith("Dòng 5:") and "trùng nhau" in e for e in errors)
    assert any(e.startswith("Dòng 6:") and "dòng 2" in e for e in errors)  # mapped twice
    assert snapshot() == before

    # each line is fine on its own now, but two form a cycle and one points inside itself
    with pytest.raises(MappingError) as caught:
        reparent_units(text="old_code,new_code\nD1-C1,W1\nD2,D2-C1\nO1,X1\nX1,O1\n")
    errors = caught.value.errors
    assert any(e.startswith("Dòng 3:") and "nằm trong đơn vị cũ" in e for e in errors)
    assert any(e.startswith("Dòng 4:") and "vòng lặp O1 → X1 → O1" in e for e in errors)
    assert not any(e.startswith("Dòng 2:") for e in errors)
    assert snapshot() == before

    mapping = tmp_path / "bad.csv"
    mapping.write_text(BAD_MAPPING, encoding="utf-8")
    with pytest.raises(CommandError, match="không có gì thay đổi"):
        call_command("reparent_units", str(mapping))
    assert snapshot() == before


def test_a_child_that_cannot_stand_under_the_new_unit_stops_the_whole_run(world):
    import_units_csv(text=NEW_UNITS)
    before = snapshot()
    # D1's communes would land under a ward: the file must map them too
    with pytest.raises(MappingError) as caught:
        reparent_units(text="old_code,new_code\nD2-C1,C9\nD1,W1\n")
    assert caught.value.errors[0].startswith("Dòng 3: đơn vị trực thuộc “D1-C1”")
    assert snapshot() == before


def test_wrong_header_is_named():
    with pytest.raises(MappingError) as caught:
        reparent_units(text="old,new\nA,B\n")
    assert caught.value.errors == ["Dòng 1: tiêu đề phải là old_code,new_code."]


def test_moving_a_district_up_warns_that_its_roles_now_reach_the_province(world):
    result = reparent_units(text="old_code,new_code\nD2,P\n", dry_run=True)
    assert result.widened and "“D2”" in result.widened[0] and "“P”" in result.widened[0]
    assert code_of(Unit.objects.get_parent(Unit.objects.get(code="D2-C1"))) == "D2"  # dry run
    assert Unit.objects.get(code="D2").kind == UnitKind.DISTRICT


def test_the_old_district_demo_tree_merges_into_the_two_tier_one_by_the_shipped_mapping():
    """orgs/data/demo-merger-2025.csv takes a database loaded with the demo tree of before
    1 July 2025 (21 districts, 177 communes) to today's tree: the merger, as a real one runs."""
    lines = list(csv.DictReader(io.StringIO(DEMO_MERGER.read_text(encoding="utf-8"))))
    old = ["code,parent_code,kind,name", "TINH,,province,Tỉnh Cảnh Giác (dữ liệu mẫu)"]
    for code in (r["old_code"] for r in lines):
        if code.startswith("SO-"):
            old.append(f"{code},TINH,department,Sở cũ {code}")
        elif "-X" not in code:
            old.append(f"{code},TINH,district,Huyện {code}")
    old += [f"{c},{c[:3]},commune,Xã {c}" for c in (r["old_code"] for r in lines) if "-X" in c]
    import_units_csv(text="\n".join(old) + "\n")
    make_report(Unit.objects.get(code="H05-X03"), "0912345678")
    import_units_csv(text=UNITS_CSV.read_text(encoding="utf-8"))  # what load_demo adds today

    result = reparent_units(text=DEMO_MERGER.read_text(encoding="utf-8"))

    assert len(result.merges) == len(lines) == 205
    assert not Unit.objects.active().filter(kind=UnitKind.DISTRICT).exists()
    local = Unit.objects.active().filter(kind__in=["commune", "ward", "special_zone"])
    assert local.count() == 130 and {code_of(Unit.objects.get_parent(u)) for u in local} == {"TINH"}
    assert rows_pointing_at([r["old_code"] for r in lines]) == {}
    assert Report.objects.get().unit.code == code_of(Unit.objects.get(code="H05-X03").successor)


def test_the_merged_unit_page_names_its_successor(client, world):
    from orgs.testing import sign_in_verified

    import_units_csv(text=NEW_UNITS)
    reparent_units(text="old_code,new_code\nD2-C1,C9\n")
    sign_in_verified(client, world.person("admin"))
    page = client.get(reverse("unit-detail", args=["D2-C1"])).content.decode()
    assert "Đã sáp nhập vào Xã Mới Chín (C9)" in page
    assert "đã sáp nhập" in client.get(reverse("unit-list")).content.decode()
