"""The public statistics page: province-wide reports and money lost by scam type, this month
and this year; no person and no group under 5 reports; the newest warnings; no sign-in."""

from __future__ import annotations

import re

import pytest

from bulletins.models import Kind
from bulletins.tests.content_world import content, editors, published
from dashboard.rollup import roll_up_recent
from reports.models import ScamType
from reports.tests.factories import make_report

SECRET_PHONE = "0912345678"


@pytest.fixture
def public_world(world):
    for i in range(5):
        make_report(world.unit("D1-C1"), f"http://ngan-hang-gia-{i}.vn/", money=3_000_000,
                    contact_phone=SECRET_PHONE)  # fmt: skip
    for i in range(3):  # a small group: 3 reports of one type
        make_report(world.unit("D2-C1"), f"http://viec-nhe-{i}.vn/", money=40_000_000,
                    scam_type=ScamType.JOB_TASK)  # fmt: skip
    roll_up_recent()
    editors(world)
    published(world, content=content(title="Cảnh báo: tin nhắn giả ngân hàng mới"))
    published(world, kind=Kind.STORY, content=content(title="Gương tốt của xã"))
    return world


def _rows(html: str, testid: str) -> dict[str, str]:
    table = re.search(rf'data-testid="{testid}".*?</table>', html, re.S)
    assert table, testid
    rows = re.findall(r"<tr>(.*?)</tr>", table.group(0), re.S)[1:]
    pairs = [re.findall(r"<t[hd][^>]*>([^<]*)", row)[:2] for row in rows]
    return {label: value for label, value in pairs}


def test_anyone_sees_the_province_totals_by_scam_type(client, public_world):
    response = client.get("/thong-ke/")
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r'data-testid="month-reports">8<', html)
    assert re.search(r'data-testid="month-money">135.000.000<', html)
    month = _rows(html, "table-month-reports")
    assert month["Tin nhắn giả mạo ngân hàng"] == "5"
    # Three reports of one type are one row with no number, never "3".
    assert "Việc nhẹ lương cao, làm nhiệm vụ" not in html
    assert month["Các loại khác (dưới 5 tố giác mỗi loại)"] == "—"
    money = _rows(html, "table-year-money")
    assert money["Tin nhắn giả mạo ngân hàng"] == "15.000.000"
    assert "40.000.000" not in html and "120.000.000" not in html


def test_the_public_page_names_no_person_and_no_unit(client, public_world):
    html = client.get("/thong-ke/").content.decode()
    assert "Nguyễn Văn Bí Mật" not in html and SECRET_PHONE not in html
    for unit in ("Xã Một Một", "Xã Hai Một", "Huyện Một"):
        assert unit not in html


def test_the_newest_warnings_are_listed_and_other_kinds_are_not(client, public_world):
    html = client.get("/thong-ke/").content.decode()
    warnings = re.search(r'data-testid="warnings">(.*?)</ul>', html, re.S)
    assert warnings and "Cảnh báo: tin nhắn giả ngân hàng mới" in warnings.group(1)
    assert "Gương tốt của xã" not in warnings.group(1)
