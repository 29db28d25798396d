"""Charts drawn on the server as SVG, each carrying a table of the same numbers.

No JavaScript and no charting library: a chart is a few rectangles, lines and labels, drawn
into a viewBox 320 units wide so that one unit is about one CSS pixel on a 360 px phone (the
page keeps 1 rem of margin each side) and the 12-unit text stays readable there; on a wider
screen the SVG scales up to the stylesheet's max width. Presentation attributes (fill, stroke),
never `style`, so the CSP (`style-src 'self'`) stays as it is.

Colours are the Okabe-Ito colours that reach 3:1 against white (WCAG 1.4.11), in an order whose
first two (blue, vermillion) stay apart in every common colour-vision deficiency; series also
differ by dash and marker shape, and every bar carries its value as text, so no reading depends
on colour alone.

The `Table` beside each chart holds the raw values (exports write them as numbers) and the
texts the page shows (`cells`), which the tests compare with the labels drawn in the SVG.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils import numberformat
from django.utils.formats import get_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Okabe & Ito (2008), the members with at least 3:1 contrast on white (test_charts checks it).
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#000000")
DASHES = ("", "6 3", "2 3", "9 3 2 3", "1 2")
MARKERS = ("circle", "square", "triangle", "diamond", "cross")
INK = "#1a1f24"
GRID = "#c9d2db"
MISSING = "—"  # a value that is not shown (a group under 5 people, or nothing to measure)

WIDTH = 320
FONT = 12
LABEL_CHARS = 44  # a longer unit name is cut in the SVG; the table keeps it whole

Number = int | float | Decimal


@dataclass(frozen=True)
class Series:
    """One named row of values, one per category (None: not shown)."""

    name: str
    values: tuple[Number | None, ...]


@dataclass(frozen=True)
class TableRow:
    label: str
    values: tuple[Number | None, ...]
    cells: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    """The chart's numbers: one row per category, one column per series."""

    caption: str
    corner: str  # the heading of the label column
    headers: tuple[str, ...]
    rows: tuple[TableRow, ...]

    @property
    def labelled_rows(self) -> list[tuple[str, list[tuple[str, str]]]]:
        """Each row's label and its (column heading, cell) pairs: a phone shows the heading
        beside each value (table.stack) where the columns do not fit."""
        return [(row.label, list(zip(self.headers, row.cells, strict=True))) for row in self.rows]


@dataclass(frozen=True)
class Chart:
    title: str
    svg: SafeString
    table: Table


def format_value(value: Number | None, *, decimals: int = 0, suffix: str = "") -> str:
    """A number as the page writes it, in the active language (1.234,5 in Vietnamese)."""
    if value is None:
        return MISSING
    # The locale's separators, grouped by three: Django's Vietnamese formats set no grouping.
    text = numberformat.format(
        value,
        get_format("DECIMAL_SEPARATOR"),
        decimal_pos=decimals,
        grouping=3,
        thousand_sep=get_format("THOUSAND_SEPARATOR"),
        force_grouping=True,
    )
    return f"{text}{suffix}"


def _table(
    *, title: str, corner: str, categories: Sequence[str], series: Sequence[Series], fmt: _Fmt
) -> Table:
    rows = []
    for i, label in enumerate(categories):
        values = tuple(s.values[i] for s in series)
        rows.append(TableRow(label, values, tuple(fmt(v) for v in values)))
    return Table(title, corner, tuple(s.name for s in series), tuple(rows))


@dataclass(frozen=True)
class _Fmt:
    decimals: int
    suffix: str

    def __call__(self, value: Number | None) -> str:
        return format_value(value, decimals=self.decimals, suffix=self.suffix)


def _text(x: float, y: float, text: str, *, anchor: str = "start", extra: str = "") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{FONT}" fill="{INK}" '
        f'text-anchor="{anchor}"{extra}>{escape(text)}</text>'
    )


def _cut(label: str, limit: int = LABEL_CHARS) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _legend(series: Sequence[Series], y: float) -> tuple[list[str], float]:
    """One line per series (a phone has no room for side by side): swatch, dash, name."""
    parts = []
    for i, s in enumerate(series):
        colour, dash = PALETTE[i % len(PALETTE)], DASHES[i % len(DASHES)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(
            f'<line x1="0" y1="{y - 4:.1f}" x2="24" y2="{y - 4:.1f}" stroke="{colour}" '
            f'stroke-width="4"{dash_attr}/>'
        )
        parts.append(_marker(i, 12, y - 4))
        parts.append(_text(30, y, _cut(s.name, 46)))
        y += FONT + 6
    return parts, y


def _svg(title: str, height: float, body: list[str], *, kind: str) -> SafeString:
    # Every piece of text inside went through escape(); the numbers are formatted by us.
    return mark_safe(  # noqa: S308
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height:.0f}" '
        f'class="chart chart-{kind}" role="img" aria-label="{escape(title)}" '
        f'font-family="DejaVu Sans, system-ui, sans-serif">'
        f"<title>{escape(title)}</title>{''.join(body)}</svg>"
    )


def bar_chart(
    *,
    title: str,
    corner: str,
    categories: Sequence[str],
    series: Sequence[Series],
    decimals: int = 0,
    suffix: str = "",
) -> Chart:
    """Horizontal bars, one group per category (its label on a line above, so long names fit a
    phone), one bar per series; the value written at the end of each bar."""
    fmt = _Fmt(decimals, suffix)
    table = _table(title=title, corner=corner, categories=categories, series=series, fmt=fmt)
    body, y = _legend(series, FONT + 2) if len(series) > 1 else ([], 0.0)
    shown = [float(v) for s in series for v in s.values if v is not None]
    top = max(shown, default=0.0) or 1.0
    room = WIDTH - 72  # what the longest bar may take; its value text needs the rest
    for row in table.rows:
        y += FONT + 6
        body.append(_text(0, y, _cut(row.label)))
        y += 4
        for i, (value, cell) in enumerate(zip(row.values, row.cells, strict=True)):
            length = 0.0 if value is None else max(float(value) / top * room, 1.0)
            colour = PALETTE[i % len(PALETTE)]
            if value is not None:
                body.append(
                    f'<rect x="0" y="{y:.1f}" width="{length:.1f}" height="14" fill="{colour}"/>'
                )
            body.append(_text(length + 4, y + 11, cell, extra=f' class="value" data-series="{i}"'))
            y += 17
    return Chart(title, _svg(title, y + 4, body, kind="bar"), table)


def _marker(index: int, x: float, y: float) -> str:
    colour = PALETTE[index % len(PALETTE)]
    shape = MARKERS[index % len(MARKERS)]
    if shape == "circle":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}"/>'
    if shape == "square":
        return f'<rect x="{x - 3:.1f}" y="{y - 3:.1f}" width="6" height="6" fill="{colour}"/>'
    if shape == "triangle":
        points = f"{x:.1f},{y - 4:.1f} {x + 4:.1f},{y + 3:.1f} {x - 4:.1f},{y + 3:.1f}"
    elif shape == "diamond":
        points = f"{x:.1f},{y - 4:.1f} {x + 4:.1f},{y:.1f} {x:.1f},{y + 4:.1f} {x - 4:.1f},{y:.1f}"
    else:
        return (
            f'<path d="M{x - 3:.1f} {y - 3:.1f}L{x + 3:.1f} {y + 3:.1f}M{x + 3:.1f} {y - 3:.1f}'
            f'L{x - 3:.1f} {y + 3:.1f}" stroke="{colour}" stroke-width="2"/>'
        )
    return f'<polygon points="{points}" fill="{colour}"/>'


@dataclass(frozen=True)
class _Plot:
    """Where the line chart's plot area sits in the viewBox and how values map into it."""

    left: float
    top: float
    width: float
    height: float
    count: int
    high: float

    def x(self, i: int) -> float:
        step = self.width / max(self.count - 1, 1)
        return self.left + i * step

    def y(self, value: float) -> float:
        return self.top + self.height - value / self.high * self.height


def _axes(plot: _Plot, labels: Sequence[str], fmt: _Fmt) -> list[str]:
    parts = []
    for fraction in (0.0, 0.5, 1.0):
        value = plot.high * fraction
        y = plot.y(value)
        parts.append(
            f'<line x1="{plot.left:.1f}" y1="{y:.1f}" x2="{plot.left + plot.width:.1f}" '
            f'y2="{y:.1f}" stroke="{GRID}" stroke-width="1"/>'
        )
        parts.append(_text(plot.left - 4, y + 4, fmt(value), anchor="end"))
    # Twelve month names do not fit 320 units: every other one, and always the last.
    every = 1 if len(labels) <= 6 else 2
    bottom = plot.top + plot.height + FONT + 4
    for i, label in enumerate(labels):
        if i % every == (len(labels) - 1) % every:
            parts.append(_text(plot.x(i), bottom, label, anchor="middle"))
    return parts


def _line(plot: _Plot, index: int, s: Series, fmt: _Fmt, labels: Sequence[str]) -> list[str]:
    """A series as polylines broken where a value is missing, a marker on each value."""
    colour, dash = PALETTE[index % len(PALETTE)], DASHES[index % len(DASHES)]
    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
    runs: list[list[str]] = [[]]
    marks = []
    for i, value in enumerate(s.values):
        if value is None:
            runs.append([])
            continue
        x, y = plot.x(i), plot.y(float(value))
        runs[-1].append(f"{x:.1f},{y:.1f}")
        tip = escape(f"{s.name}, {labels[i]}: {fmt(value)}")
        marks.append(
            f'<g class="point" data-series="{index}" data-index="{i}">'
            f"<title>{tip}</title>{_marker(index, x, y)}</g>"
        )
    lines = [
        f'<polyline points="{" ".join(run)}" fill="none" stroke="{colour}" '
        f'stroke-width="2.5"{dash_attr}/>'
        for run in runs
        if len(run) > 1
    ]
    return lines + marks


def line_chart(
    *,
    title: str,
    corner: str,
    labels: Sequence[str],
    series: Sequence[Series],
    decimals: int = 0,
    suffix: str = "",
) -> Chart:
    """Trend lines over `labels` (months), one per series; the y axis starts at 0."""
    fmt = _Fmt(decimals, suffix)
    table = _table(title=title, corner=corner, categories=labels, series=series, fmt=fmt)
    body, y = _legend(series, FONT + 2)
    shown = [float(v) for s in series for v in s.values if v is not None]
    # 44 units left for the axis values, 20 right for half of the last month label.
    plot = _Plot(44, y + 6, WIDTH - 64, 140, len(labels), max(shown, default=0.0) or 1.0)
    body += _axes(plot, labels, fmt)
    for i, s in enumerate(series):
        body += _line(plot, i, s, fmt, labels)
    height = plot.top + plot.height + FONT + 10
    return Chart(title, _svg(title, height, body, kind="line"), table)
