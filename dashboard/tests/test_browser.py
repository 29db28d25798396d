"""The dashboard and the public statistics in real Chromium on a 360 px phone: each chart draws
the numbers of its table, nothing overflows sideways, the CSP refuses nothing, sorting works
without a script."""

from __future__ import annotations

import pytest

from dashboard.rollup import roll_up_recent
from orgs.browser_testing import assert_fits_phone, sign_in
from orgs.testing import build_world
from reports.models import ScamType
from reports.tests.factories import make_report

pytestmark = pytest.mark.django_db(transaction=True)


def _reported_world():
    world = build_world()
    for i in range(6):
        make_report(world.unit("D1-C1"), f"http://lua-tren-dien-thoai-{i}.vn/", money=2_500_000)
    for i in range(5):
        make_report(world.unit("D1-C2"), f"http://gia-danh-{i}.vn/", money=12_000_000,
                    scam_type=ScamType.IMPERSONATION_AUTHORITY)  # fmt: skip
    roll_up_recent()
    return world


def _charts_match_their_tables(page) -> int:
    """Every chart's drawn values equal its table's cells, read as the browser shows them."""
    figures = page.locator("figure.chart-box")
    for i in range(figures.count()):
        figure = figures.nth(i)
        drawn = [t.strip() for t in figure.locator("svg text.value").all_text_contents()]
        points = figure.locator("svg g.point title").all_text_contents()
        cells = [t.strip() for t in figure.locator("tbody td").all_inner_texts()]
        if drawn:
            assert drawn == cells, figure.get_attribute("data-testid")
        elif points:  # a trend chart: each point's title ends with its value, in the table too
            assert all(p.rsplit(": ", 1)[1] in cells for p in points)
        else:  # nothing drawn: nothing to show (a group under 5 has no rates)
            assert all(c in ("—", "Chưa có số liệu.") for c in cells)
        width = figure.locator("svg").bounding_box()
        assert width and 280 <= width["width"] <= 360  # 12-unit text is 11 px or more
    return figures.count()


def test_the_dashboard_reads_the_same_numbers_in_its_charts_and_tables_on_a_phone(
    live_server, page, console_errors
):
    _reported_world()
    sign_in(page, live_server.url, "manager_d1", next_path="/staff/dashboard/D1/")
    page.wait_for_url(live_server.url + "/staff/dashboard/D1/")
    assert_fits_phone(page)
    assert _charts_match_their_tables(page) >= 6
    received = page.get_by_test_id("table-reports-t0").locator("tbody tr").first
    assert received.locator("td").first.inner_text().strip() == "11"
    by_type = page.get_by_test_id("chart-reports-c0")
    assert by_type.locator("svg text.value").first.text_content() == "6"

    # Sorting is a link the server answers: the comparison by reports, fewest first.
    page.goto(live_server.url + "/staff/dashboard/D1-C1/")
    links = page.get_by_test_id("sort-links")
    links.get_by_role("link", name="Tố giác", exact=True).click()
    page.wait_for_url("**sort=reports**")
    links.get_by_role("link", name="Tố giác ▼", exact=True).click()
    page.wait_for_url("**order=asc**")
    labels = page.get_by_test_id("table-comparison").locator("tbody th").all_inner_texts()
    assert labels == ["Xã Một Hai", "Xã Một Một ★", "Toàn tỉnh"]  # 5, 6 and 11 reports
    assert_fits_phone(page)
    assert console_errors == []


def test_the_public_statistics_fit_a_phone_and_match_their_tables(
    live_server, page, console_errors
):
    _reported_world()
    page.goto(live_server.url + "/thong-ke/")
    assert_fits_phone(page)
    assert _charts_match_their_tables(page) == 4
    assert page.get_by_test_id("month-reports").inner_text() == "11"
    month = page.get_by_test_id("table-month-reports")
    assert month.locator("tbody th").all_inner_texts()[:2] == [
        "Tin nhắn giả mạo ngân hàng", "Giả danh công an, viện kiểm sát, toà án",
    ]  # fmt: skip
    assert console_errors == []
