"""Dashboard pages: a unit's figures, index, comparison and trend (staff, scoped to the units
the user holds VIEW_DASHBOARD on), their XLSX and PDF exports, and the public statistics."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bulletins.models import Bulletin, Kind
from orgs.access import AuthenticatedHttpRequest, require_unit, staff_required, units_for
from orgs.models import Permission, Unit

from . import exports
from .charts import format_value
from .figures import MIN_GROUP, Period, province_public
from .page import COLUMNS, UnitPage, public_charts, unit_page

PERMISSION = Permission.VIEW_DASHBOARD
PERIOD_LABELS = {
    Period.WEEK: gettext_lazy("Tuần"),
    Period.MONTH: gettext_lazy("Tháng"),
    Period.QUARTER: gettext_lazy("Quý"),
    Period.YEAR: gettext_lazy("Năm"),
}
EARLIEST = date(2000, 1, 1)
NEWEST_WARNINGS = 5


@dataclass(frozen=True)
class Choice:
    """What the reader chose, from the query string; anything odd falls back to a default."""

    period: Period
    start: date
    sort: str
    descending: bool

    @classmethod
    def of(cls, request: HttpRequest) -> Choice:
        today = timezone.localdate()
        period = request.GET.get("period", "")
        try:
            start = date.fromisoformat(request.GET.get("start", ""))
        except ValueError:
            start = today
        # A date far outside the data is a typo, not a question: the period of today.
        if not EARLIEST <= start <= today + timedelta(days=366):
            start = today
        return cls(
            period=Period(period) if period in Period._value2member_map_ else Period.MONTH,
            start=start,
            sort=request.GET.get("sort", "index")[:20],
            descending=request.GET.get("order", "desc") != "asc",
        )

    def query(self, **changes: str) -> str:
        values = {
            "period": str(self.period),
            "start": self.start.isoformat(),
            "sort": self.sort,
            "order": "desc" if self.descending else "asc",
        }
        return urlencode({**values, **changes})


def _page(request: AuthenticatedHttpRequest, code: str) -> tuple[UnitPage, Choice]:
    unit = get_object_or_404(Unit, code=code)
    require_unit(request.user, PERMISSION, unit)
    choice = Choice.of(request)
    page = unit_page(
        user=request.user,
        unit=unit,
        period=choice.period,
        start=choice.start,
        sort=choice.sort,
        descending=choice.descending,
    )
    return page, choice


@staff_required(PERMISSION)
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The highest unit the user may see (the province for provincial staff)."""
    top = units_for(request.user, PERMISSION).order_by("depth", "path").first()
    if top is None:
        return render(request, "dashboard/none.html")
    return redirect("dashboard:unit", code=top.code)


def _sort_links(page: UnitPage, choice: Choice) -> list[dict[str, str]]:
    """Column headings of the comparison: a link that sorts by the column (again: reversed)."""
    links = []
    for key, label in [("unit", _("Đơn vị")), *((c.key, str(c.label)) for c in COLUMNS)]:
        active = key == page.sort
        order = "asc" if active and page.descending else "desc"
        if key == "unit" and not active:
            order = "asc"
        state = ("descending" if page.descending else "ascending") if active else "none"
        links.append({"key": key, "label": label, "query": choice.query(sort=key, order=order),
                      "aria_sort": state})  # fmt: skip
    return links


@staff_required(PERMISSION)
def unit(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    page, choice = _page(request, code)
    visible = units_for(request.user, PERMISSION)
    parent = Unit.objects.get_parent(page.unit)
    children = visible.active().filter(path__startswith=page.unit.path, depth=page.unit.depth + 1)
    context = {
        "page": page,
        "choice": choice,
        "periods": [(p.value, str(label)) for p, label in PERIOD_LABELS.items()],
        "sort_links": _sort_links(page, choice),
        "export_query": choice.query(),
        "parent": parent if parent and visible.filter(pk=parent.pk).exists() else None,
        "children": list(children.order_by("name")),
        "min_group": MIN_GROUP,
    }
    return render(request, "dashboard/unit.html", context)


@staff_required(PERMISSION)
def unit_xlsx(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    page, _choice = _page(request, code)
    response = HttpResponse(exports.page_xlsx(page), content_type=exports.XLSX)
    response["Content-Disposition"] = f'attachment; filename="{exports.filename(page, "xlsx")}"'
    return response


@staff_required(PERMISSION)
def unit_pdf(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    page, _choice = _page(request, code)
    response = HttpResponse(exports.page_pdf(page), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{exports.filename(page, "pdf")}"'
    return response


def public(request: HttpRequest) -> HttpResponse:
    """Province-wide aggregates only: no unit, no person, no group under 5 reports."""
    figures = province_public()
    warnings = (
        Bulletin.objects.public()
        .filter(kind=Kind.WARNING)
        .with_public_revisions()
        .order_by("-published_at", "-pk")[:NEWEST_WARNINGS]
    )
    entries = [(b, r) for b in warnings if (r := b.published_revision()) is not None]
    context = {
        "figures": figures,
        "charts": public_charts(figures),
        "month_reports": format_value(figures.month.reports),
        "month_money": format_value(figures.month.money_lost),
        "year_reports": format_value(figures.year.reports),
        "year_money": format_value(figures.year.money_lost),
        "warnings": entries,
        "min_group": MIN_GROUP,
    }
    return render(request, "dashboard/public.html", context)
