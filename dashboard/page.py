"""What a unit's dashboard shows, as sections of charts and tables: the page, the XLSX and the PDF
are all drawn from one `UnitPage`, so an export carries exactly what the page shows."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from orgs.models import Unit, User

from . import figures as fig
from .charts import Chart, Number, Series, Table, TableRow, bar_chart, format_value, line_chart

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    note: str
    charts: tuple[Chart, ...]
    tables: tuple[Table, ...]

    @property
    def named_tables(self) -> list[tuple[str, Table]]:
        """Tables with a name the tests find them by (data-testid), e.g. "reports-t0"."""
        return [(f"{self.key}-t{i}", t) for i, t in enumerate(self.tables)]

    @property
    def named_charts(self) -> list[tuple[str, Chart]]:
        return [(f"{self.key}-c{i}", c) for i, c in enumerate(self.charts)]


@dataclass(frozen=True)
class Column:
    """A column of the comparison table; `key` is what `?sort=` takes."""

    key: str
    label: StrOrPromise
    decimals: int
    value: Callable[[fig.ComparisonRow], Number | None]


@dataclass(frozen=True)
class UnitPage:
    unit: Unit
    span: fig.Span
    previous: fig.Span
    index: fig.Index
    sections: tuple[Section, ...]
    sort: str
    descending: bool
    hidden_siblings: int


def _formatted(value: Number | None, *row: Number | None) -> str:
    """Rates (floats) with one decimal, counts without; both periods of a row alike."""
    decimals = 1 if any(isinstance(v, float) for v in row) else 0
    return format_value(value, decimals=decimals)


def _pairs(
    caption: str, figures: fig.UnitFigures, rows: Sequence[tuple[str, Number | None, Number | None]]
) -> Table:
    """Figures of this period beside the previous one."""
    cur, prev = figures.current.span.label, figures.previous.span.label
    return Table(
        caption,
        _("Số liệu"),
        (cur, prev),
        tuple(
            TableRow(label, (a, b), (_formatted(a, a, b), _formatted(b, a, b)))
            for label, a, b in rows
        ),
    )


def _by_key(
    title: str, corner: str, cur: Sequence[fig.ReportCount], prev: Sequence[fig.ReportCount], *,
    spans: tuple[str, str], money: bool,
) -> Chart:  # fmt: skip
    """Reports (or money lost) by scam type or channel, this period beside the previous one."""
    labels = {r.key: r.label for r in (*cur, *prev)}
    order = [r.key for r in cur] + [r.key for r in prev if r.key not in {c.key for c in cur}]
    now = {r.key: r.money_lost if money else r.reports for r in cur}
    before = {r.key: r.money_lost if money else r.reports for r in prev}
    return bar_chart(
        title=title,
        corner=corner,
        categories=[labels[k] for k in order],
        series=[
            Series(spans[0], tuple(now.get(k, 0) for k in order)),
            Series(spans[1], tuple(before.get(k, 0) for k in order)),
        ],
    )


def _reports_section(f: fig.UnitFigures) -> Section:
    c, p = f.current.reports, f.previous.reports
    spans = (f.current.span.label, f.previous.span.label)
    return Section(
        "reports",
        _("Tố giác"),
        "",
        (
            _by_key(
                _("Tố giác theo loại lừa đảo"),
                _("Loại lừa đảo"),
                c.by_scam_type,
                p.by_scam_type,
                spans=spans,
                money=False,
            ),
            _by_key(
                _("Tiền bị mất theo loại lừa đảo (đồng)"),
                _("Loại lừa đảo"),
                c.by_scam_type,
                p.by_scam_type,
                spans=spans,
                money=True,
            ),
            _by_key(
                _("Tố giác theo kênh"),
                _("Kênh"),
                c.by_channel,
                p.by_channel,
                spans=spans,
                money=False,
            ),
        ),  # fmt: skip
        (
            _pairs(
                _("Tố giác nhận được"),
                f,
                [
                    (_("Số tố giác"), c.received, p.received),
                    (_("Tiền bị mất (đồng)"), c.money_lost, p.money_lost),
                ],
            ),
        ),
    )


def _cases_section(f: fig.UnitFigures) -> Section:
    c, p = f.current.cases, f.previous.cases
    rows = [
        (_("Vụ việc đưa vào danh sách"), c.listed, p.listed),
        (_("Vụ việc kết luận không phải lừa đảo"), c.cleared, p.cleared),
        (_("Vụ việc đã kết luận"), c.decided, p.decided),
        (_("Vụ việc đang chờ (cuối kỳ)"), c.pending, p.pending),
        (_("Trung vị giờ từ tố giác đầu đến khi đưa vào danh sách"),
         c.median_hours_to_listing, p.median_hours_to_listing),
        (_("Trung vị giờ từ tố giác đầu đến khi kết luận"),
         c.median_hours_to_decision, p.median_hours_to_decision),
        (_("Khiếu nại nhận được"), c.appeals_received, p.appeals_received),
        (_("Khiếu nại được chấp nhận (gỡ khỏi danh sách)"), c.appeals_delisted,
         p.appeals_delisted),
        (_("Khiếu nại bị bác"), c.appeals_rejected, p.appeals_rejected),
    ]  # fmt: skip
    return Section("cases", _("Xác minh và xử lý"), "", (), (_pairs(_("Vụ việc"), f, rows),))


def _people_section(f: fig.UnitFigures) -> Section:
    t, tp = f.current.training, f.previous.training
    d, dp = f.current.drills, f.previous.drills
    b, bp = f.current.bulletins, f.previous.bulletins
    training = [
        (_("Số cán bộ"), t.staff, tp.staff),
        (_("Tỉ lệ cán bộ được giao bài (%)"), t.coverage_rate, tp.coverage_rate),
        (_("Tỉ lệ hoàn thành (%)"), t.completion_rate, tp.completion_rate),
        (_("Tỉ lệ đạt bài kiểm tra (%)"), t.pass_rate, tp.pass_rate),
    ]
    drills = [
        (_("Thư diễn tập đã gửi"), d.recipients, dp.recipients),
        (_("Tỉ lệ báo cáo (%)"), d.report_rate, dp.report_rate),
        (_("Trung vị phút đến khi báo cáo"), d.median_minutes_to_report,
         dp.median_minutes_to_report),
        (_("Tỉ lệ bấm liên kết (%)"), d.click_rate, dp.click_rate),
        (_("Độ khó trung bình của mẫu thư (1–5)"), d.mean_difficulty, dp.mean_difficulty),
    ]  # fmt: skip
    bulletins = [
        (_("Bản tin đã đăng"), b.published, bp.published),
        (_("Lượt gửi (thư, bài đăng)"), b.deliveries, bp.deliveries),
    ]
    note = _("Nhóm dưới %(n)d người không hiện tỉ lệ (—) để không lộ danh tính.") % {
        "n": fig.MIN_GROUP
    }
    return Section(
        "people",
        _("Tập huấn, diễn tập, bản tin"),
        note,
        (),
        (
            _pairs(_("Tập huấn (cuối kỳ)"), f, training),
            _pairs(_("Diễn tập lừa đảo"), f, drills),
            _pairs(_("Bản tin cảnh báo"), f, bulletins),
        ),
    )


def _index_section(index: fig.Index) -> Section:
    formula = _(
        "Chỉ số = (30·T + 25·R + 20·C + 10·S + 15·D) / tổng trọng số của các phần có số liệu. "
        "T: hoàn thành tập huấn; R: tỉ lệ báo cáo thư diễn tập; C: 100 trừ tỉ lệ bấm liên kết; "
        "S: tốc độ báo cáo; D: độ phủ diễn tập. Diễn tập tính trong 12 tháng đến cuối kỳ."
    )
    parts = Table(
        _("Các phần của chỉ số nhận thức"),
        _("Phần"),
        (_("Trọng số"), _("Điểm (0–100)"), _("Cách tính")),
        tuple(
            TableRow(
                p.label,
                (p.weight, p.score, None),
                (str(p.weight), format_value(p.score, decimals=1), p.explanation),
            )
            for p in index.parts
        ),
    )
    return Section("index", _("Chỉ số nhận thức"), formula, (), (parts,))


COLUMNS: tuple[Column, ...] = (
    Column("reports", gettext_lazy("Tố giác"), 0, lambda r: r.figures.reports.received),
    Column("money", gettext_lazy("Tiền bị mất (đồng)"), 0, lambda r: r.figures.reports.money_lost),
    Column("listed", gettext_lazy("Đưa vào danh sách"), 0, lambda r: r.figures.cases.listed),
    Column("completion", gettext_lazy("Hoàn thành tập huấn (%)"), 1,
           lambda r: r.figures.training.completion_rate),
    Column("report_rate", gettext_lazy("Báo cáo thư diễn tập (%)"), 1, lambda r: r.figures.drills.report_rate),
    Column("click_rate", gettext_lazy("Bấm liên kết (%)"), 1, lambda r: r.figures.drills.click_rate),
    Column("index", gettext_lazy("Chỉ số nhận thức"), 0, lambda r: r.index.value),
)  # fmt: skip
SORT_KEYS = frozenset({"unit", *(c.key for c in COLUMNS)})


def _sorted(
    rows: Sequence[fig.ComparisonRow], sort: str, descending: bool
) -> list[fig.ComparisonRow]:
    """Sorted on the server; a value not shown (small group) goes last either way."""
    if sort == "unit":
        return sorted(rows, key=lambda r: r.label, reverse=descending)
    column = next(c for c in COLUMNS if c.key == sort)
    shown = [r for r in rows if column.value(r) is not None]
    hidden = [r for r in rows if column.value(r) is None]
    shown.sort(key=lambda r: float(column.value(r) or 0), reverse=descending)
    return shown + sorted(hidden, key=lambda r: r.label)


def _comparison_section(comparison: fig.Comparison, sort: str, descending: bool) -> Section:
    rows = _sorted(comparison.rows, sort, descending)
    table = Table(
        _("So sánh với các đơn vị cùng cấp và toàn tỉnh"),
        _("Đơn vị"),
        tuple(str(c.label) for c in COLUMNS),
        tuple(
            TableRow(
                r.label + (" ★" if r.is_self else ""),
                tuple(c.value(r) for c in COLUMNS),
                tuple(format_value(c.value(r), decimals=c.decimals) for c in COLUMNS),
            )
            for r in rows
        ),
    )
    chart = bar_chart(
        title=_("Chỉ số nhận thức: đơn vị, các đơn vị cùng cấp và toàn tỉnh"),
        corner=_("Đơn vị"),
        categories=[r.label for r in rows],
        series=[Series(_("Chỉ số nhận thức"), tuple(r.index.value for r in rows))],
    )
    note = _("★: đơn vị đang xem. Bấm tiêu đề cột để sắp xếp.")
    return Section("comparison", _("So sánh"), note, (chart,), (table,))


def _trend_section(points: Sequence[fig.TrendPoint]) -> Section:
    labels = [f"{p.month:%m/%y}" for p in points]
    reports = line_chart(
        title=_("Tố giác mỗi tháng, 12 tháng gần nhất"),
        corner=_("Tháng"),
        labels=labels,
        series=[
            Series(_("Tố giác"), tuple(p.reports for p in points)),
            Series(_("Đưa vào danh sách"), tuple(p.cases_listed for p in points)),
        ],
    )
    rates = line_chart(
        title=_("Tập huấn, diễn tập và chỉ số, 12 tháng gần nhất"),
        corner=_("Tháng"),
        labels=labels,
        series=[
            Series(_("Chỉ số nhận thức"), tuple(p.index for p in points)),
            Series(_("Hoàn thành tập huấn (%)"), tuple(p.completion_rate for p in points)),
            Series(_("Báo cáo thư diễn tập (%)"), tuple(p.report_rate for p in points)),
            Series(_("Bấm liên kết (%)"), tuple(p.click_rate for p in points)),
        ],
        decimals=1,
    )
    return Section("trend", _("Xu hướng"), "", (reports, rates), ())


def unit_page(
    *, user: User, unit: Unit, period: str, start: date, sort: str = "index",
    descending: bool = True, today: date | None = None,
) -> UnitPage:  # fmt: skip
    """Everything the dashboard of `unit` shows for the period of kind `period` holding
    `start`; PermissionDenied (from figures) for a unit outside the user's scope."""
    sort = sort if sort in SORT_KEYS else "index"
    figures = fig.unit_figures(user=user, unit=unit, period=period, start=start)
    comparison = fig.sibling_comparison(user=user, unit=unit, period=period, start=start)
    points = fig.trend(
        user=user, unit=unit, months=12, today=today or figures.current.span.last_day
    )
    return UnitPage(
        unit=unit,
        span=figures.current.span,
        previous=figures.previous.span,
        index=figures.index,
        sections=(
            _index_section(figures.index),
            _reports_section(figures),
            _cases_section(figures),
            _people_section(figures),
            _comparison_section(comparison, sort, descending),
            _trend_section(points),
        ),
        sort=sort,
        descending=descending,
        hidden_siblings=comparison.hidden_siblings,
    )


def _public_chart(title: str, span: fig.PublicSpan, *, money: bool) -> Chart:
    rows = [r for r in span.by_scam_type if r.reports is not None]
    hidden = len(span.by_scam_type) - len(rows)
    categories = [r.label for r in rows]
    values = tuple(r.money_lost if money else r.reports for r in rows)
    if hidden:
        # Types with fewer than 5 reports are one row with no number: a count of 1 to 4 could
        # point at the people who reported, or who lost the money.
        categories.append(_("Các loại khác (dưới %(n)d tố giác mỗi loại)") % {"n": fig.MIN_GROUP})
        values = (*values, None)
    series_name = _("Tiền bị mất (đồng)") if money else _("Số tố giác")
    return bar_chart(
        title=title,
        corner=_("Loại lừa đảo"),
        categories=categories,
        series=[Series(series_name, values)],
    )


def public_charts(figures: fig.PublicFigures) -> dict[str, Chart]:
    """The public page's charts: this month and this year, reports and money lost by type."""
    month, year = figures.month, figures.year
    return {
        "month_reports": _public_chart(
            _("Tố giác theo loại lừa đảo, %(span)s") % {"span": month.span.label}, month,
            money=False),
        "month_money": _public_chart(
            _("Tiền bị mất theo loại lừa đảo, %(span)s") % {"span": month.span.label}, month,
            money=True),
        "year_reports": _public_chart(
            _("Tố giác theo loại lừa đảo, %(span)s") % {"span": year.span.label}, year,
            money=False),
        "year_money": _public_chart(
            _("Tiền bị mất theo loại lừa đảo, %(span)s") % {"span": year.span.label}, year,
            money=True),
    }  # fmt: skip
