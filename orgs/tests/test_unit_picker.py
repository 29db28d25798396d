"""The unit picker: citizens type their commune (name, name without "Xã", or code, with or without
diacritics); the server refuses an unknown unit or one that is not a commune, ward or zone."""

import pytest
from django import forms
from django.urls import reverse

from orgs.models import Unit
from orgs.reparent import reparent_units
from orgs.services import import_units_csv
from orgs.widgets import CitizenUnitField, UnitPickerField, fold
from reports.forms import ReportForm
from reports.models import Report

pytestmark = pytest.mark.django_db

TWO_TIER = """code,parent_code,kind,name
W1,P,ward,Phường An Phú
C7,P,commune,Xã Phú Lộc
C8,P,commune,Xã Tân Hưng
Z1,P,special_zone,Đặc khu Hòn Ngọc
A7,C7,agency,Công an xã Phú Lộc
"""


class PickForm(forms.Form):
    unit = CitizenUnitField(label="Xã, phường", required=False)


@pytest.fixture
def two_tier(world):
    import_units_csv(text=TWO_TIER)
    return world


def test_fold_drops_vietnamese_diacritics_and_case():
    assert fold("  Xã  Phú Lộc ") == "xa phu loc"
    assert fold("ĐẶC KHU Hòn Ngọc") == "dac khu hon ngoc"
    assert fold("Phường An Hoà") == fold("phuong an hoa")


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("Xã Phú Lộc", "C7"),  # the line of the list
        ("xa phu loc", "C7"),  # without diacritics
        ("Phú Lộc", "C7"),  # without "Xã"
        ("c8", "C8"),  # a code
        ("hon ngoc", "Z1"),  # a special zone
        ("Huyện Một — Xã Một Một", "D1-C1"),  # a commune of a tree not yet re-parented
    ],
)
def test_a_typed_name_or_code_is_accepted(two_tier, typed, code):
    form = PickForm(data={"unit": typed})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["unit"].code == code


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("Xã Không Có", "Không tìm thấy xã, phường hay đặc khu “Xã Không Có”"),
        ("Công an xã Phú Lộc", "không phải xã, phường hay đặc khu"),  # an agency
        ("S1", "không phải xã, phường hay đặc khu"),  # a department's code
        ("Phú", "Không tìm thấy xã, phường hay đặc khu “Phú”"),  # a piece of a name: pick a line
    ],
)
def test_an_unknown_or_non_citizen_unit_is_refused_in_vietnamese(two_tier, typed, message):
    form = PickForm(data={"unit": typed})
    assert not form.is_valid()
    assert message in form.errors["unit"][0]


def test_the_list_offers_only_communes_wards_and_zones_in_alphabetical_order(two_tier):
    html = str(PickForm()["unit"])
    assert 'list="id_unit_list"' in html and "data-unit-picker" in html
    assert '<option value="Xã Phú Lộc">' in html and '<option value="Đặc khu Hòn Ngọc">' in html
    assert "Công an xã" not in html and "Sở Thử Nghiệm" not in html and "Tỉnh Thử" not in html
    options = html.split('<option value="')[1:]
    labels = [o.split('"')[0] for o in options]
    assert labels == sorted(labels, key=fold)


def test_merged_units_leave_the_list_and_their_old_name_picks_the_successor(two_tier):
    reparent_units(text="old_code,new_code\nD1-C1,W1\n")
    html = str(PickForm()["unit"])
    assert "Xã Một Một" not in html
    form = PickForm(data={"unit": "Xã Một Một"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["unit"].code == "W1"


def test_two_units_of_one_name_are_told_apart_by_code(two_tier):
    import_units_csv(text="code,parent_code,kind,name\nC9,P,commune,Xã Tân Hưng\n")
    html = str(PickForm()["unit"])
    assert "Xã Tân Hưng (C8)" in html and "Xã Tân Hưng (C9)" in html
    ambiguous = PickForm(data={"unit": "Xã Tân Hưng"})
    assert "Có nhiều xã, phường tên “Xã Tân Hưng”" in ambiguous.errors["unit"][0]
    form = PickForm(data={"unit": "Xã Tân Hưng (C9)"})
    assert form.is_valid() and form.cleaned_data["unit"].code == "C9"


def test_a_staff_picker_offers_only_its_queryset(two_tier):
    field = UnitPickerField(label="Đơn vị")
    field.queryset = Unit.objects.filter(code__in=["D1", "D1-C1"])
    assert field.clean("Huyện Một").code == "D1"
    with pytest.raises(forms.ValidationError, match="Không chọn được đơn vị “Xã Hai Một”"):
        field.clean("Xã Hai Một")


def test_report_form_accepts_a_typed_commune_and_rejects_an_unknown_one(client, two_tier):
    page = client.get(reverse("reports:form")).content.decode()
    assert '<option value="Phường An Phú">' in page and "orgs/unit_picker.js" in page
    data = {
        "channel": "sms",
        "scam_type": "fake_bank_sms",
        "description": "Tin nhắn giả ngân hàng",
        "indicators": "0912345678",
        "website": "",
    }
    refused = client.post(reverse("reports:form"), {**data, "unit": "Xã Không Có"})
    assert refused.status_code == 400
    assert "Không tìm thấy xã, phường hay đặc khu" in refused.content.decode()
    assert not Report.objects.exists()

    client.post(reverse("reports:form"), {**data, "unit": "phuong an phu"})
    assert Report.objects.get().unit.code == "W1"
    assert ReportForm(data={**data, "unit": ""}).is_valid()  # left empty: not given
