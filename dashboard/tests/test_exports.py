"""The XLSX and the PDF carry the numbers of the page: a sheet per section, formulas written as
text, the unit and period named; the PDF read back with pdftotext."""

from __future__ import annotations

import html as html_text
import io
import re
import shutil
import subprocess

import pytest
from django.test import Client
from openpyxl import load_workbook

from dashboard.rollup import roll_up_recent
from lib.spreadsheet import formula_safe as safe_text
from orgs.models import Unit
from orgs.testing import sign_in_verified
from reports.tests.factories import make_report

PDFTOTEXT = shutil.which("pdftotext")


@pytest.fixture
def exported(world):
    for i in range(7):
        make_report(world.unit("D1-C1"), f"http://lua-xuat-{i}.vn/", money=2_345_000)
    make_report(world.unit("D2-C1"), "http://lua-xuat-d2.vn/", money=1_000)
    # A unit name that a spreadsheet would run as a formula.
    Unit.objects.filter(code="D1-C2").update(name='=HYPERLINK("http://x","Xã")')
    roll_up_recent()
    client = Client()
    sign_in_verified(client, world.person("admin"))
    return client


def _page_rows(html: str, testid: str) -> list[list[str]]:
    table = re.search(rf'data-testid="{testid}".*?</table>', html, re.S)
    assert table, testid
    rows = re.findall(r"<tr>(.*?)</tr>", table.group(0), re.S)
    cells = [re.findall(r"<t[hd][^>]*>(?:<a [^>]*>)?([^<]*)", row) for row in rows][1:]
    return [[html_text.unescape(c) for c in row] for row in cells]


def test_text_that_looks_like_a_formula_stays_text():
    assert safe_text("=1+1") == "'=1+1"
    assert safe_text("@SUM(A1)") == "'@SUM(A1)"
    assert safe_text("-2") == "'-2"
    assert safe_text("Xã Một") == "Xã Một"


def test_the_xlsx_has_a_sheet_per_section_with_the_numbers_of_the_page(exported):
    # A commune's page: its comparison holds the sibling whose name looks like a formula.
    html = exported.get("/staff/dashboard/D1-C1/?period=month").content.decode()
    response = exported.get("/staff/dashboard/D1-C1/xlsx/?period=month")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == [
        "Chỉ số nhận thức", "Tố giác", "Xác minh và xử lý", "Tập huấn, diễn tập, bản tin",
        "So sánh", "Xu hướng",
    ]  # fmt: skip
    sheet = book["Tố giác"]
    assert sheet["A1"].value.startswith("Xã Một Một · Tháng ")
    rows = {r[0]: r[1:] for r in sheet.iter_rows(values_only=True) if r and r[0]}
    assert rows["Số tố giác"][0] == 7 and isinstance(rows["Số tố giác"][0], int)
    assert rows["Tiền bị mất (đồng)"][0] == 7 * 2_345_000
    page = {r[0]: r[1] for r in _page_rows(html, "table-reports-t0")}
    assert page["Số tố giác"] == "7" and page["Tiền bị mất (đồng)"] == "16.415.000"
    # The comparison: the same units and numbers as the page's table, the formula as text.
    comparison = book["So sánh"]
    xlsx_rows = [r for r in comparison.iter_rows(min_row=6, values_only=True) if r[0]]
    page_rows = _page_rows(html, "table-comparison")
    assert [r[0] for r in xlsx_rows[: len(page_rows)]] == [safe_text(r[0]) for r in page_rows]
    assert '\'=HYPERLINK("http://x","Xã")' in [r[0] for r in xlsx_rows]
    assert all(not str(c.value).startswith("=") for row in comparison.iter_rows() for c in row
               if c.value is not None)  # fmt: skip
    assert comparison.column_dimensions["A"].width > 10


@pytest.mark.skipif(PDFTOTEXT is None, reason="pdftotext not found: apt-get install poppler-utils")
def test_the_pdf_names_the_unit_and_period_and_carries_the_numbers(exported, tmp_path):
    html = exported.get("/staff/dashboard/D1/?period=month").content.decode()
    response = exported.get("/staff/dashboard/D1/pdf/?period=month")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    path = tmp_path / "d1.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(
        [str(PDFTOTEXT), "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    span = re.search(r'<p class="lead">(Tháng \d+/\d{4}), so với', html)
    assert span
    assert "Huyện Một" in text and span.group(1) in text
    assert "Giả danh" not in text  # only what the page shows: D1's reports are all bank SMS
    page = {r[0]: r[1:] for r in _page_rows(html, "table-reports-t0")}
    line = next(line for line in text.splitlines() if "Số tố giác" in line)
    assert line.split()[-2:] == page["Số tố giác"]
    line = next(line for line in text.splitlines() if line.strip().startswith("Tiền bị mất"))
    assert line.split()[-2:] == page["Tiền bị mất (đồng)"]
    assert "Tin nhắn giả mạo ngân hàng" in text  # the chart's labels, drawn into the PDF
    assert "Chỉ số nhận thức" in text and "Toàn tỉnh" in text
