"""The SVG charts: colour-blind safe colours with contrast, values written on the chart equal to
the table beside it, missing values drawn as nothing, text escaped."""

from __future__ import annotations

import re
from xml.etree import ElementTree

from django.template.loader import render_to_string

from dashboard.charts import (
    DASHES,
    MARKERS,
    MISSING,
    PALETTE,
    Chart,
    Series,
    bar_chart,
    format_value,
    line_chart,
)

SVG = "{http://www.w3.org/2000/svg}"


def _root(chart: Chart) -> ElementTree.Element:
    return ElementTree.fromstring(str(chart.svg))  # noqa: S314  # our own drawing


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def test_every_series_colour_has_3_to_1_contrast_on_white_and_its_own_dash_and_marker():
    for colour in PALETTE:
        assert 1.05 / (_luminance(colour) + 0.05) >= 3.0, colour
    assert len(set(PALETTE)) == len(set(DASHES)) == len(set(MARKERS)) == len(PALETTE)


def test_numbers_are_written_the_vietnamese_way():
    assert format_value(1234567) == "1.234.567"
    assert format_value(12.345, decimals=1, suffix="%") == "12,3%"
    assert format_value(None) == MISSING


def _two_series_bars():
    return bar_chart(
        title="Tố giác theo loại",
        corner="Loại",
        categories=["Giả danh công an", "Việc nhẹ lương cao", "Đầu tư tiền ảo"],
        series=[Series("Tháng này", (40, 10, None)), Series("Tháng trước", (20, 0, 5))],
    )


def test_bar_values_drawn_are_the_table_cells_in_order():
    chart = _two_series_bars()
    root = _root(chart)
    drawn = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "value"]
    assert drawn == [cell for row in chart.table.rows for cell in row.cells]
    assert drawn == ["40", "20", "10", "0", MISSING, "5"]
    assert chart.table.headers == ("Tháng này", "Tháng trước")


def test_bar_lengths_follow_the_values_and_a_missing_value_has_no_bar():
    chart = _two_series_bars()
    root = _root(chart)
    widths = [float(r.get("width", "")) for r in root.iter(f"{SVG}rect") if r.get("height") == "14"]
    # 40, 20, 10, 0 (drawn as a hairline), 5; the missing one is absent.
    assert len(widths) == 5
    assert widths[0] == 2 * widths[1] == 4 * widths[2] == 8 * widths[4]
    assert widths[3] == 1.0


def test_text_in_a_chart_is_escaped():
    chart = bar_chart(
        title='<script>alert("x")</script>',
        corner="Đơn vị",
        categories=["<b>Xã & phường</b>"],
        series=[Series("Số", (3,))],
    )
    assert "<script>" not in chart.svg and "<b>" not in chart.svg
    root = _root(chart)  # still well-formed XML
    assert any(t.text == "<b>Xã & phường</b>" for t in root.iter(f"{SVG}text"))


def test_a_line_breaks_where_a_value_is_missing_and_each_point_names_its_value():
    chart = line_chart(
        title="Xu hướng",
        corner="Tháng",
        labels=["01/26", "02/26", "03/26", "04/26", "05/26"],
        series=[Series("Tỉnh", (10, 12, None, 14, 15.5)), Series("Xã", (1, 2, 3, 4, 5))],
        decimals=1,
    )
    root = _root(chart)
    lines = [p.get("points", "").split() for p in root.iter(f"{SVG}polyline")]
    assert [len(points) for points in lines] == [2, 2, 5]
    titles = [t.text for g in root.iter(f"{SVG}g") for t in g.iter(f"{SVG}title")]
    assert titles[:4] == ["Tỉnh, 01/26: 10,0", "Tỉnh, 02/26: 12,0", "Tỉnh, 04/26: 14,0",
                          "Tỉnh, 05/26: 15,5"]  # fmt: skip
    assert chart.table.rows[2].cells == (MISSING, "3,0")
    # Higher values sit higher: the province's 15.5 is the top of the plot.
    ys = [float(p.split(",")[1]) for p in lines[1]]
    assert ys[0] > ys[1]


def test_the_chart_partial_renders_an_accessible_table_of_the_same_numbers():
    html = render_to_string("dashboard/_chart.html", {"chart": _two_series_bars(), "name": "t"})
    assert "<caption>Tố giác theo loại</caption>" in html
    assert '<th scope="col" class="num">Tháng trước</th>' in html
    assert '<th scope="row">Đầu tư tiền ảo</th>' in html
    cells = re.findall(r'<td class="num" data-label="Tháng (?:này|trước)">([^<]*)</td>', html)
    assert cells == ["40", "20", "10", "0", MISSING, "5"]
