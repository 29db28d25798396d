"""The unit dashboard: the figures of the user's units only, the same numbers in each chart and
its table, a comparison sorted on the server, no rates for a group under 5."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from dashboard.rollup import roll_up_recent
from orgs.models import Role, RoleAssignment, User
from orgs.testing import sign_in_verified
from reports.models import ScamType
from reports.tests.factories import make_report


def _client_of(world, name: str) -> Client:
    client = Client()
    sign_in_verified(client, world.person(name))
    return client


@pytest.fixture
def reported(world):
    """Reports in two communes of D1 and one of D2, rolled up as the periodic task does."""
    for i in range(6):
        make_report(world.unit("D1-C1"), f"http://lua-d1c1-{i}.vn/", money=1_500_000)
    for i in range(2):
        make_report(
            world.unit("D1-C2"),
            f"http://lua-d1c2-{i}.vn/",
            scam_type=ScamType.IMPERSONATION_AUTHORITY,
        )
    make_report(world.unit("D2-C1"), "http://lua-d2c1.vn/", money=7_000_000)
    roll_up_recent()
    return world


def _rows(html: str, testid: str) -> list[list[str]]:
    """The rows of one table of the page: [row heading, cells...]."""
    table = re.search(rf'data-testid="{testid}".*?</table>', html, re.S)
    assert table, testid
    rows = re.findall(r"<tr>(.*?)</tr>", table.group(0), re.S)
    return [re.findall(r"<t[hd][^>]*>(?:<a [^>]*>)?([^<]*)", row) for row in rows]


def test_a_manager_sees_the_reports_of_their_district(reported):
    response = _client_of(reported, "manager_d1").get("/staff/dashboard/D1/")
    assert response.status_code == 200
    html = response.content.decode()
    received = _rows(html, "table-reports-t0")
    assert received[1][:2] == ["Số tố giác", "8"]
    assert received[2][:2] == ["Tiền bị mất (đồng)", "9.000.000"]
    by_type = dict((r[0], r[1]) for r in _rows(html, "table-reports-c0")[1:])
    assert by_type == {
        "Tin nhắn giả mạo ngân hàng": "6",
        "Giả danh công an, viện kiểm sát, toà án": "2",
    }


def test_a_commune_manager_cannot_see_another_commune(reported):
    RoleAssignment.objects.create(
        user=reported.person("staff_d1_c1"), unit=reported.unit("D1-C1"), role=Role.UNIT_MANAGER
    )
    client = _client_of(reported, "staff_d1_c1")
    assert client.get("/staff/dashboard/D1-C1/").status_code == 200
    for code in ("D1-C2", "D1", "P", "D2-C1"):
        for suffix in ("", "xlsx/", "pdf/"):
            assert client.get(f"/staff/dashboard/{code}/{suffix}").status_code == 403, code
    # The comparison shows the siblings the manager may see (none) and the province's total.
    html = client.get("/staff/dashboard/D1-C1/").content.decode()
    labels = [r[0] for r in _rows(html, "table-comparison")[1:]]
    assert sorted(labels) == ["Toàn tỉnh", "Xã Một Một ★"]
    assert "Xã Một Hai" not in html and "Xã Hai Một" not in html


def test_the_dashboard_home_opens_the_highest_unit_of_the_user(reported):
    assert _client_of(reported, "manager_d2").get("/staff/dashboard/")["Location"] == (
        "/staff/dashboard/D2/"
    )
    assert _client_of(reported, "admin").get("/staff/dashboard/")["Location"] == (
        "/staff/dashboard/P/"
    )
    assert _client_of(reported, "staff_d1_c1").get("/staff/dashboard/").status_code == 403


def test_the_comparison_is_sorted_by_the_query_parameter(reported):
    client = _client_of(reported, "admin")
    order = {}
    for direction in ("asc", "desc"):
        body = client.get(f"/staff/dashboard/D1-C1/?sort=reports&order={direction}").content
        rows = _rows(body.decode(), "table-comparison")[1:]
        order[direction] = [(r[0], r[1]) for r in rows]
    assert order["desc"] == [("Toàn tỉnh", "9"), ("Xã Một Một ★", "6"), ("Xã Một Hai", "2")]
    assert order["asc"] == order["desc"][::-1]
    # The heading of the active column says how it is sorted and links to the other way.
    html = client.get("/staff/dashboard/D1-C1/?sort=reports&order=desc").content.decode()
    heading = re.search(r'<th scope="col" aria-sort="descending"[^>]*><a href="([^"]+)"', html)
    assert heading and "sort=reports" in heading.group(1) and "order=asc" in heading.group(1)


def test_an_unknown_sort_or_period_falls_back_to_the_defaults(reported):
    client = _client_of(reported, "admin")
    response = client.get("/staff/dashboard/P/?sort=__class__&period=decade&start=99999")
    assert response.status_code == 200


def test_a_district_of_4_staff_shows_no_rates_and_no_index(reported):
    client = _client_of(reported, "manager_d1")
    html = client.get("/staff/dashboard/D1/").content.decode()
    training = {r[0]: r[1] for r in _rows(html, "table-people-t0")[1:]}
    assert training["Số cán bộ"] == "4"
    assert training["Tỉ lệ cán bộ được giao bài (%)"] == "—"
    assert re.search(r'data-testid="index">.*?index-value muted">—', html, re.S)
    # A fifth person makes a group whose rates are shown.
    User.objects.create(username="staff_d1_c1_b", home_unit=reported.unit("D1-C1"))
    roll_up_recent()
    html = client.get("/staff/dashboard/D1/").content.decode()
    training = {r[0]: r[1] for r in _rows(html, "table-people-t0")[1:]}
    assert training["Số cán bộ"] == "5"
    assert training["Tỉ lệ cán bộ được giao bài (%)"] == "0,0"


def test_each_chart_draws_the_numbers_of_its_table(reported):
    html = _client_of(reported, "admin").get("/staff/dashboard/P/").content.decode()
    for name in ("reports-c0", "reports-c1", "reports-c2", "comparison-c0"):
        figure = re.search(rf'data-testid="chart-{name}">(.*?)</figure>', html, re.S)
        assert figure, name
        drawn = re.findall(r'class="value" data-series="\d+">([^<]*)</text>', figure.group(1))
        cells = re.findall(r'<td class="num" data-label="[^"]*">([^<]*)</td>', figure.group(1))
        assert drawn and drawn == cells, name
