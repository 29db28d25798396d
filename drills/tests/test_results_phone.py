"""The drill results read well on a 360 px phone in a real Chromium: every table a stack of
cards with each value next to its label, nothing wider than the screen, no console error (the
CSP forbids inline script: the page has none)."""

from __future__ import annotations

import pytest

from canhgiac.tests.test_staff_phone import assert_reads_well, sign_in_as
from orgs.models import Unit
from orgs.testing import build_world

from .test_results_rollup import build_results_world

pytestmark = pytest.mark.django_db(transaction=True)


def test_results_read_well_on_a_phone(live_server, page, console_errors):
    rw = build_results_world(build_world())
    sign_in_as(page, live_server.url, rw.drills.person("drill_operator"))
    page.goto(live_server.url + "/staff/drills/campaigns/results/")
    assert_reads_well(page, at_least=20)
    page.get_by_test_id("drill-rollup").get_by_role("link", name="Huyện Một").click()
    page.get_by_test_id("drill-rollup").get_by_role("link", name="Xã Một Một").click()
    assert page.url.endswith(f"?unit={Unit.objects.get(code='D1-C1').pk}")
    rollup = page.get_by_test_id("drill-rollup")
    assert "Thôn Một" in rollup.inner_text() and "Ban Văn phòng xã" in rollup.inner_text()
    # On a phone each cell shows its label beside its value.
    first = rollup.locator("tbody tr").first.locator("td").first
    label = first.evaluate("td => getComputedStyle(td, '::before').content")
    assert label == '"Người nhận"'
    box = rollup.locator("tbody tr").first.bounding_box()
    assert box is not None and box["width"] <= 360
    trend = page.get_by_test_id("drill-trend")
    assert trend.locator("tbody tr").count() == 3
    chart = page.get_by_test_id("trend-chart").locator("svg")
    width = chart.bounding_box()
    assert width is not None and 300 <= width["width"] <= 360
    assert chart.locator("circle").count() == 2 * 3  # report and click rate, three campaigns
    assert_reads_well(page, at_least=40)
    page.screenshot(path="/tmp/h17g_phone.png", full_page=True)
    page.get_by_role("link", name="Tất cả đơn vị của bạn").click()
    assert page.get_by_test_id("drill-group").count() == 1
    assert console_errors == []
