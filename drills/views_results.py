"""Drill results pages: a unit with everything below it next to its sub-units and the same
unit campaign by campaign (a table and a line chart), all next to difficulty; the repeat
clickers by name for those who may see them; and an XLSX export of the same tables, plus the
figures per campaign and unit."""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.formats import localize
from django.utils.translation import gettext as _
from openpyxl import Workbook

from lib.spreadsheet import formula_safe
from orgs.access import AuthenticatedHttpRequest, staff_required
from orgs.models import Permission

from .results import MIN_GROUP, ResultRow, Rollup, Tally, TrendRow, result_rows, rollup

if TYPE_CHECKING:
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The chart's drawing area in its 360 × 200 viewBox (a phone's width: text stays legible).
CHART_LEFT, CHART_RIGHT, CHART_TOP, CHART_BOTTOM = 44.0, 344.0, 12.0, 172.0


def _chosen_rollup(request: AuthenticatedHttpRequest) -> Rollup:
    """The roll-up of the unit named by ?unit= (refused unless the user sees that unit), or
    of the user's top units."""
    value = request.GET.get("unit", "")
    if not value:
        return rollup(request.user)
    if not (value.isascii() and value.isdigit()):
        raise PermissionDenied(_("Đơn vị này không thuộc phạm vi xem kết quả của bạn."))
    return rollup(request.user, unit_id=int(value))


@dataclass
class Line:
    css: str
    label: str
    segments: list[str]  # SVG polyline points; a campaign without rates breaks the line
    dots: list[tuple[float, float, str]]  # x, y, what a pointer over the dot says


@dataclass
class TrendChart:
    """A line per rate over the campaigns, drawn on the server (no script: the CSP allows
    none inline, and the table next to it carries the same numbers)."""

    lines: list[Line]
    ticks: list[tuple[float, str, str]]  # x, campaign date and difficulty, text-anchor
    grid: list[tuple[float, str]]  # y, percentage
    left: float = CHART_LEFT
    right: float = CHART_RIGHT
    bottom: float = CHART_BOTTOM


def _line(rows: list[TrendRow], css: str, label: str, rate: str) -> Line:
    line, segment = Line(css, label, [], []), list[str]()
    step = (CHART_RIGHT - CHART_LEFT) / max(len(rows) - 1, 1)
    for i, row in enumerate(rows):
        value: float | None = getattr(row, rate)
        if value is None:
            line.segments += [" ".join(segment)] if len(segment) > 1 else []
            segment = []
            continue
        x, y = CHART_LEFT + i * step, CHART_BOTTOM - value * (CHART_BOTTOM - CHART_TOP) / 100
        segment.append(f"{x:.1f},{y:.1f}")
        line.dots.append(
            (round(x, 1), round(y, 1), f"{row.campaign.name}: {label} {localize(value)}%")
        )
    line.segments += [" ".join(segment)] if len(segment) > 1 else []
    return line


def trend_chart(rows: list[TrendRow]) -> TrendChart | None:
    """Report and click rates campaign by campaign; None when no campaign shows rates."""
    if not any(row.shows_rates for row in rows):
        return None
    lines = [
        _line(rows, "report", _("Tỉ lệ báo cáo"), "report_rate"),
        _line(rows, "click", _("Tỉ lệ bấm liên kết"), "click_rate"),
    ]
    step = (CHART_RIGHT - CHART_LEFT) / max(len(rows) - 1, 1)
    every = max(1, -(-len(rows) // 4))  # at most about four dates under the axis
    last = len(rows) - 1
    ticks = [
        (
            round(CHART_LEFT + i * step, 1),
            f"{row.sent_on:%d/%m} ({row.difficulty}/5)",
            "end" if i == last and i else "start" if i == 0 else "middle",  # inside the box
        )
        for i, row in enumerate(rows)
        if i % every == 0 or i == last
    ]
    span = CHART_BOTTOM - CHART_TOP
    grid = [(CHART_BOTTOM - p * span / 100, f"{p}%") for p in (0, 50, 100)]
    return TrendChart(lines=lines, ticks=ticks, grid=grid)


@staff_required(Permission.VIEW_DASHBOARD)
def results(request: AuthenticatedHttpRequest) -> HttpResponse:
    figures = _chosen_rollup(request)
    context = {
        "rollup": figures,
        "groups": [(g, trend_chart(g.trend)) for g in figures.groups],
        # Each campaign and home unit apart, as before the roll-ups (the 12 latest campaigns).
        "rows": result_rows(request.user, within=figures.chosen),
        "min_group": MIN_GROUP,
    }
    return render(request, "drills/staff/results.html", context)


def _sheet(book: Workbook, title: str, rows: Iterable[list[object]]) -> None:
    """A sheet of `rows` (the heading first), every text cell safe from formula injection."""
    sheet: WriteOnlyWorksheet = book.create_sheet(title)
    for values in rows:
        sheet.append([formula_safe(v) for v in values])


def _rates(t: Tally) -> list[object]:
    return [
        t.report_rate, t.median_report_minutes, t.click_rate, t.submit_rate,
        t.repeat_clickers, t.scanner_hits,
    ]  # fmt: skip


def _rates_header() -> list[str]:
    return [
        _("Tỉ lệ báo cáo (%)"), _("Trung vị thời gian báo cáo (phút)"),
        _("Tỉ lệ bấm liên kết (%)"), _("Tỉ lệ gửi biểu mẫu (%)"),
        _("Người bấm lặp lại (2 trong 3 đợt gần nhất)"), _("Lượt máy quét thư"),
    ]  # fmt: skip


def _rollup_rows(figures: Rollup) -> Iterable[list[object]]:
    yield [
        _("Đơn vị xem"), _("Dòng"), _("Mã đơn vị"), _("Đơn vị"), _("Số người nhận"),
        _("Số thư đã gửi"), _("Độ khó trung bình (1–5)"), *_rates_header(),
    ]  # fmt: skip
    for group in figures.groups:
        for row in [group.total, *group.rows]:
            if row is group.total:
                kind = _("Cả đơn vị và cấp dưới")
            elif row.own:
                kind = _("Cán bộ của chính đơn vị")
            else:
                kind = _("Đơn vị cấp dưới (gồm cả cấp dưới của nó)")
            yield [
                group.unit.name, kind, row.unit.code, row.unit.name, row.recipients, row.mails,
                row.mean_difficulty, *_rates(row),
            ]  # fmt: skip


def _trend_rows(figures: Rollup) -> Iterable[list[object]]:
    yield [
        _("Đơn vị (gồm cấp dưới)"), _("Ngày gửi"), _("Đợt diễn tập"), _("Mẫu thư"),
        _("Độ khó (1–5)"), _("Số người nhận"), *_rates_header(),
    ]  # fmt: skip
    for group in figures.groups:
        for row in group.trend:
            yield [
                group.unit.name, row.sent_on, row.campaign.name, row.campaign.template.name,
                row.difficulty, row.recipients, *_rates(row),
            ]  # fmt: skip


def _detail_rows(rows: list[ResultRow]) -> Iterable[list[object]]:
    yield [
        _("Ngày gửi"), _("Đợt diễn tập"), _("Mẫu thư"), _("Độ khó (1–5)"), _("Đơn vị"),
        _("Số người nhận"), _("Tỉ lệ báo cáo (%)"), _("Trung vị thời gian báo cáo (phút)"),
        _("Tỉ lệ bấm liên kết (%)"), _("Tỉ lệ gửi biểu mẫu (%)"), _("Lượt máy quét thư"),
    ]  # fmt: skip
    for row in rows:
        yield [
            row.sent_on, row.campaign.name, row.campaign.template.name, row.difficulty,
            row.unit.name, row.recipients, row.report_rate, row.median_report_minutes,
            row.click_rate, row.submit_rate, row.scanner_hits,
        ]  # fmt: skip


@staff_required(Permission.VIEW_DASHBOARD)
def results_xlsx(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The page's tables, a sheet each; a small group's rates stay empty here too. The repeat
    clickers' names stay on the page: a spreadsheet is forwarded beyond who may see them."""
    figures = _chosen_rollup(request)
    book = Workbook(write_only=True)
    _sheet(book, _("Theo đơn vị"), _rollup_rows(figures))
    _sheet(book, _("Theo thời gian"), _trend_rows(figures))
    rows = result_rows(request.user, last=100, within=figures.chosen)
    _sheet(book, _("Theo đợt và đơn vị"), _detail_rows(rows))
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(out.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="ket-qua-dien-tap.xlsx"'
    return response
