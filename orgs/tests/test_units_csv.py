import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from orgs.models import Unit, UnitKind
from orgs.services import UnitImportError, export_units_csv, import_units_csv
from orgs.testing import code_of, sign_in_verified

pytestmark = pytest.mark.django_db

BAD_FILE = """code,parent_code,kind,name
P,,province,Tỉnh A
D1,P,district,Huyện Một
C1,D9,commune,Xã không có cấp trên
C2,D1,village,Thôn sai loại
,D1,commune,Xã thiếu mã
D1,P,district,Huyện Một lặp
C3,D1,ward,Phường dưới huyện
C4,D1,commune,
"""


def test_bad_file_is_rejected_with_line_numbers_and_nothing_is_imported():
    with pytest.raises(UnitImportError) as caught:
        import_units_csv(text=BAD_FILE)
    errors = caught.value.errors
    assert Unit.objects.count() == 0
    assert any(e.startswith("Dòng 4:") and "D9" in e for e in errors)
    assert any(e.startswith("Dòng 5:") and "village" in e for e in errors)
    assert any(e.startswith("Dòng 6:") and "thiếu mã" in e for e in errors)
    assert any(e.startswith("Dòng 7:") and "lặp" in e for e in errors)
    assert any(e.startswith("Dòng 8:") and "không thể trực thuộc" in e for e in errors)
    assert any(e.startswith("Dòng 9:") and "thiếu tên" in e for e in errors)
    assert not any(e.startswith(("Dòng 2:", "Dòng 3:")) for e in errors)


def test_missing_columns_are_named():
    with pytest.raises(UnitImportError) as caught:
        import_units_csv(text="code,name\nP,Tỉnh\n")
    assert caught.value.errors == [
        "Dòng 1: thiếu cột parent_code, kind (cần: code, parent_code, kind, name)."
    ]


def test_reimport_adds_no_duplicates_and_export_round_trips():
    good = "code,parent_code,kind,name\nP,,province,Tỉnh A\nD1,P,district,Huyện Một\n"
    good += "C1,D1,commune,Xã Một\nA1,P,agency,Công an tỉnh\n"
    first = import_units_csv(text=good)
    assert first.created == ["P", "D1", "C1", "A1"]
    again = import_units_csv(text=good)
    assert again.created == [] and again.unchanged == 4
    assert Unit.objects.count() == 4
    exported = export_units_csv()
    assert import_units_csv(text=exported).unchanged == 4
    assert code_of(Unit.objects.get(code="C1").get_parent()) == "D1"
    assert Unit.objects.get(code="A1").kind == UnitKind.AGENCY


def test_existing_unit_cannot_be_moved_by_import():
    import_units_csv(
        text="code,parent_code,kind,name\nP,,province,A\nD1,P,district,B\nD2,P,district,C\nX,D1,commune,X\n"
    )
    with pytest.raises(UnitImportError) as caught:
        import_units_csv(text="code,parent_code,kind,name\nX,D2,commune,X\n")
    assert caught.value.errors[0].startswith("Dòng 2: đơn vị 'X' đã có")


def test_import_page_shows_errors_in_vietnamese_and_admin_only(client, world):
    upload = SimpleUploadedFile("units.csv", b"code,parent_code,kind,name\nN1,NOPE,commune,Xa\n")
    client.force_login(world.person("staff_d1_c1"))
    assert client.post(reverse("unit-import"), {"file": upload}).status_code == 403

    sign_in_verified(client, world.person("admin"))
    upload.seek(0)
    response = client.post(reverse("unit-import"), {"file": upload})
    assert response.status_code == 400
    assert "Dòng 2: không tìm thấy đơn vị cấp trên &#x27;NOPE&#x27;" in response.content.decode()
    assert not Unit.objects.filter(code="N1").exists()


def test_unit_manager_import_is_limited_to_their_units(world):
    text = "code,parent_code,kind,name\nD2-C9,D2,commune,Xã mới\n"
    with pytest.raises(UnitImportError) as caught:
        import_units_csv(text=text, allowed_codes={"D1", "D1-C1", "D1-C2"})
    assert "không có quyền" in caught.value.errors[0]
    result = import_units_csv(text=text, allowed_codes={"D2", "D2-C1"})
    assert result.created == ["D2-C9"]
