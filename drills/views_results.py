"""Drill results pages: figures per campaign and unit next to difficulty, unit summaries with
repeat clickers, the repeat clickers by name for those who may see them, and an XLSX export."""

from __future__ import annotations

import io

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from openpyxl import Workbook

from orgs.access import AuthenticatedHttpRequest, staff_required
from orgs.models import Permission

from .results import MIN_GROUP, ResultRow, result_rows, unit_overview

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@staff_required(Permission.VIEW_DASHBOARD)
def results(request: AuthenticatedHttpRequest) -> HttpResponse:
    summaries, people = unit_overview(request.user)
    context = {
        "rows": result_rows(request.user),
        "summaries": summaries,
        "people": people,
        "min_group": MIN_GROUP,
    }
    return render(request, "drills/staff/results.html", context)


def _cells(row: ResultRow) -> list[object]:
    return [
        row.sent_on,
        row.campaign.name,
        row.campaign.template.name,
        row.difficulty,
        row.unit.name,
        row.recipients,
        row.report_rate,
        row.median_report_minutes,
        row.click_rate,
        row.submit_rate,
        row.scanner_hits,
    ]


@staff_required(Permission.VIEW_DASHBOARD)
def results_xlsx(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The same rows as the page; a small group's rates stay empty here too."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Kết quả diễn tập"))
    sheet.append(
        [
            _("Ngày gửi"), _("Đợt diễn tập"), _("Mẫu thư"), _("Độ khó (1–5)"), _("Đơn vị"),
            _("Số người nhận"), _("Tỉ lệ báo cáo (%)"), _("Trung vị thời gian báo cáo (phút)"),
            _("Tỉ lệ bấm liên kết (%)"), _("Tỉ lệ gửi biểu mẫu (%)"), _("Lượt máy quét thư"),
        ]
    )  # fmt: skip
    for row in result_rows(request.user, last=100):
        sheet.append(_cells(row))
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(out.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="ket-qua-dien-tap.xlsx"'
    return response
