"""The dashboard as files for meetings: XLSX (a sheet per section, the numbers as numbers) and
PDF (WeasyPrint, DejaVu Sans for every Vietnamese diacritic, the charts drawn in). Both are
made from the `UnitPage` the page shows, so they carry the same numbers."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import TYPE_CHECKING, cast

from django.template.loader import render_to_string
from django.utils.text import slugify

from lib.spreadsheet import formula_safe

from .charts import Table
from .page import UnitPage

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF_CSS = Path(__file__).resolve().parent / "static" / "dashboard" / "dashboard-pdf.css"
SHEET_NAME_LIMIT = 31  # Excel refuses a longer sheet name
WIDEST_COLUMN = 60


def filename(page: UnitPage, extension: str) -> str:
    return f"thong-ke-{slugify(page.unit.code)}-{page.span.period}-{page.span.start}.{extension}"


def _sheet_name(title: str, taken: set[str]) -> str:
    name = re.sub(r"[\[\]:*?/\\]", " ", title)[:SHEET_NAME_LIMIT].strip() or "Sheet"
    base, n = name, 2
    while name in taken:
        suffix = f" {n}"
        name, n = base[: SHEET_NAME_LIMIT - len(suffix)] + suffix, n + 1
    taken.add(name)
    return name


def _write_table(sheet: Worksheet, table: Table) -> None:
    from openpyxl.styles import Font

    sheet.append([formula_safe(table.caption)])
    sheet.cell(sheet.max_row, 1).font = Font(bold=True)
    sheet.append([formula_safe(h) for h in (table.corner, *table.headers)])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for row in table.rows:
        # A number as a number; what the page shows as text (—, an explanation) as that text.
        cells = [
            value if value is not None else formula_safe(text)
            for value, text in zip(row.values, row.cells, strict=True)
        ]
        sheet.append([formula_safe(row.label), *cells])
    sheet.append([])


def _fit_columns(sheet: Worksheet) -> None:
    from openpyxl.utils import get_column_letter

    widths: dict[int, int] = {}
    for row in sheet.iter_rows():
        for cell in row:
            if cell.value is not None and cell.row > 2:  # rows 1-2: the long heading lines
                length = len(str(cell.value))
                widths[cell.column] = max(widths.get(cell.column, 0), length)
    for column, width in widths.items():
        letter = get_column_letter(column)
        sheet.column_dimensions[letter].width = min(width + 2, WIDEST_COLUMN)


def page_xlsx(page: UnitPage) -> bytes:
    """One sheet per section: its tables (those of its charts too), each under its caption."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(cast("Worksheet", book.active))  # every sheet below is a section
    taken: set[str] = set()
    for section in page.sections:
        sheet = book.create_sheet(_sheet_name(section.title, taken))
        sheet.append([formula_safe(f"{page.unit.name} · {page.span.label}")])
        sheet.cell(1, 1).font = Font(bold=True, size=13)
        sheet.append([formula_safe(section.title + (f": {section.note}" if section.note else ""))])
        sheet.append([])
        for table in (*section.tables, *(chart.table for chart in section.charts)):
            _write_table(sheet, table)
        _fit_columns(sheet)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def page_pdf(page: UnitPage) -> bytes:
    from weasyprint import CSS, HTML  # imported here: pango loads slowly, only when needed

    html = render_to_string("dashboard/unit_pdf.html", {"page": page})
    document = HTML(string=html, base_url=str(PDF_CSS.parent))
    pdf: bytes = document.write_pdf(stylesheets=[CSS(filename=str(PDF_CSS))])
    return pdf
