"""The awareness index (issue 18, point 2): the printed formula, each part shown, no index for
a unit of fewer than 5 staff, parts without drills left out of the weights."""

from __future__ import annotations

from datetime import date

import pytest

from dashboard import figures
from dashboard.rollup import roll_up_range

from .figures_world import MARCH, FiguresWorld, build_figures_world


@pytest.fixture
def fw(world) -> FiguresWorld:
    built = build_figures_world(world)
    roll_up_range(date(2025, 4, 1), date(2026, 5, 1))
    return built


def _parts(index: figures.Index) -> dict[str, float | None]:
    return {p.key: p.score for p in index.parts}


def test_the_index_follows_the_printed_formula(fw):
    """D1-C1 at the end of March: 8 staff; 8 of 16 person × course pairs done; 8 drill mails, 3
    reported (first reports after 10, 30, 45 minutes), 2 clicked by a person (a scanner's hit
    is no one's click); all 8 staff reached."""
    index = figures.awareness_index(
        user=fw.person("manager_c1"), unit=fw.world.unit("D1-C1"), period="month", start=MARCH
    )
    speed = round(100 * (24 * 60 - 30) / (24 * 60 - 15), 1)
    assert _parts(index) == {
        "training": 50.0, "report_rate": 37.5, "not_clicked": 75.0, "speed": speed, "reach": 100.0,
    }  # fmt: skip
    weights = figures.INDEX_WEIGHTS
    assert sum(weights.values()) == 100
    expected = (30 * 50.0 + 25 * 37.5 + 20 * 75.0 + 10 * speed + 15 * 100.0) / 100
    assert index.value == round(expected) == 64
    assert (index.window_start, index.window_end) == (date(2025, 4, 1), date(2026, 4, 1))
    assert all(p.label and p.explanation for p in index.parts)
    assert "30" in next(p.explanation for p in index.parts if p.key == "speed")


def test_parts_without_drills_leave_the_weights(fw):
    """At the end of February no drill had been sent: report rate, clicks and speed are absent,
    reach is 0; the index is the weighted mean of training and reach alone."""
    index = figures.awareness_index(
        user=fw.person("admin"), unit=fw.world.unit("D1-C1"), period="month", start=date(2026, 2, 1)
    )
    assert _parts(index) == {
        "training": 62.5, "report_rate": None, "not_clicked": None, "speed": None, "reach": 0.0,
    }  # fmt: skip
    assert index.value == round((30 * 62.5 + 15 * 0.0) / 45) == 42


def test_a_unit_of_four_has_no_index(fw):
    index = figures.awareness_index(
        user=fw.person("admin"), unit=fw.world.unit("D1-C2"), period="quarter", start=MARCH
    )
    assert index.staff == 4
    assert index.value is None
    assert all(p.score is None for p in index.parts)


def test_the_trend_gives_twelve_months_ending_with_this_one(fw):
    admin, d1 = fw.person("admin"), fw.world.unit("D1")
    points = figures.trend(user=admin, unit=d1, today=date(2026, 3, 20))
    assert [p.month for p in points][0] == date(2025, 4, 1)
    assert [p.month for p in points][-1] == MARCH and len(points) == 12
    for point in points:  # each point says what the month's own figures say
        month = figures.unit_figures(user=admin, unit=d1, period="month", start=point.month)
        fig = month.current
        assert (point.reports, point.money_lost, point.cases_listed) == (
            fig.reports.received, fig.reports.money_lost, fig.cases.listed,
        )  # fmt: skip
        assert (point.completion_rate, point.report_rate, point.click_rate) == (
            fig.training.completion_rate, fig.drills.report_rate, fig.drills.click_rate,
        )  # fmt: skip
        assert point.index == month.index.value
    assert points[-1].reports == 5 and points[-1].index is not None


def test_the_public_figures_hide_small_groups(fw):
    public = figures.province_public(today=date(2026, 3, 20))
    month = {c.key: c for c in public.month.by_scam_type}
    assert public.month.reports == 7
    assert month["fake_bank_sms"].reports is None  # 3 reports in March: not shown
    assert all(c.reports is None and c.money_lost is None for c in public.month.by_scam_type)
    year = {c.key: c for c in public.year.by_scam_type}
    assert (year["fake_bank_sms"].reports, year["fake_bank_sms"].money_lost) == (5, 3_010_000)
    assert public.year.by_scam_type[0].key == "fake_bank_sms"
    assert year["deepfake"].reports is None
