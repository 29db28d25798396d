"""Writes on the unit tree: CSV import and export, demo people."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import QuerySet

from .models import ALLOWED_PARENT_KINDS, Unit, UnitKind

CSV_COLUMNS = ["code", "parent_code", "kind", "name"]
MAX_CSV_BYTES = 2 * 1024 * 1024
MAX_CSV_ROWS = 20_000


class UnitImportError(Exception):
    """The file was rejected; `errors` lists each problem with its line number."""

    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class ImportResult:
    created: list[str] = field(default_factory=list)
    renamed: list[str] = field(default_factory=list)
    unchanged: int = 0


@dataclass
class _Row:
    line: int
    code: str
    parent_code: str
    kind: str
    name: str


def _read_rows(text: str) -> tuple[list[_Row], list[str]]:
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in CSV_COLUMNS if c not in header]
    if missing:
        return [], [f"Dòng 1: thiếu cột {', '.join(missing)} (cần: {', '.join(CSV_COLUMNS)})."]
    reader.fieldnames = header
    rows: list[_Row] = []
    for record in reader:
        if len(rows) >= MAX_CSV_ROWS:
            return rows, [f"Tệp có quá {MAX_CSV_ROWS} dòng."]
        values = {k: (record.get(k) or "").strip() for k in CSV_COLUMNS}
        rows.append(_Row(line=reader.line_num, **values))
    return rows, []


def _check_row(row: _Row, known: dict[str, str], seen: set[str]) -> list[str]:
    """Problems of one line; `known` maps codes already defined (database or earlier lines) to
    their kind."""
    at = f"Dòng {row.line}"
    errors = []
    if not row.code:
        errors.append(f"{at}: thiếu mã đơn vị (cột code).")
    elif len(row.code) > 32 or not all(c.isalnum() or c in "-_." for c in row.code):
        errors.append(f"{at}: mã '{row.code[:40]}' không hợp lệ (tối đa 32 ký tự chữ, số, - _ .).")
    elif row.code in seen:
        errors.append(f"{at}: mã '{row.code}' bị lặp trong tệp.")
    if not row.name:
        errors.append(f"{at}: thiếu tên đơn vị (cột name).")
    elif len(row.name) > 200:
        errors.append(f"{at}: tên đơn vị dài quá 200 ký tự.")
    if row.kind not in UnitKind.values:
        errors.append(
            f"{at}: loại đơn vị '{row.kind[:40]}' không hợp lệ "
            f"(chọn một trong: {', '.join(UnitKind.values)})."
        )
        return errors
    parent_kind = known.get(row.parent_code) if row.parent_code else None
    if row.parent_code and parent_kind is None:
        errors.append(
            f"{at}: không tìm thấy đơn vị cấp trên '{row.parent_code[:40]}' "
            "(đơn vị cấp trên phải có sẵn hoặc đứng ở dòng trước)."
        )
    elif parent_kind not in ALLOWED_PARENT_KINDS[row.kind]:
        errors.append(
            f"{at}: đơn vị loại '{row.kind}' không thể trực thuộc "
            f"{'gốc cây' if parent_kind is None else f'đơn vị loại {parent_kind!r}'}."
        )
    return errors


def import_units_csv(*, text: str, allowed_codes: set[str] | None = None) -> ImportResult:
    """Import a unit tree (columns code,parent_code,kind,name). All or nothing: one bad line
    rejects the whole file with every problem listed by line number. Re-importing the same file
    changes nothing; an existing code may be renamed but not moved. With `allowed_codes` (the
    units the importing person manages), every line must touch only units below those."""
    if len(text.encode()) > MAX_CSV_BYTES:
        raise UnitImportError([f"Tệp quá lớn (tối đa {MAX_CSV_BYTES // 1024 // 1024} MB)."])
    rows, errors = _read_rows(text.lstrip("\ufeff"))
    existing = {u.code: u for u in Unit.objects.all()}
    known = {code: u.kind for code, u in existing.items()}
    code_by_path = {u.path: code for code, u in existing.items()}
    parent_of = {
        code: code_by_path.get(u.path[: -Unit.steplen], "") for code, u in existing.items()
    }
    seen: set[str] = set()
    for row in rows:
        row_errors = _check_row(row, known, seen)
        current = existing.get(row.code)
        if not row_errors and current is not None:
            if current.kind != row.kind or parent_of[row.code] != row.parent_code:
                row_errors.append(
                    f"Dòng {row.line}: đơn vị '{row.code}' đã có với loại hoặc cấp trên khác; "
                    "không thể đổi qua nhập tệp."
                )
        if not row_errors and allowed_codes is not None:
            scope_code = row.code if current is not None else row.parent_code
            if scope_code not in allowed_codes:
                row_errors.append(
                    f"Dòng {row.line}: bạn không có quyền quản lý đơn vị "
                    f"'{scope_code or 'gốc cây'}'."
                )
            else:
                allowed_codes = allowed_codes | {row.code}
        errors.extend(row_errors)
        seen.add(row.code)
        if row.code and row.kind in UnitKind.values:
            known.setdefault(row.code, row.kind)
    if not rows and not errors:
        errors.append("Tệp không có dòng dữ liệu nào.")
    if errors:
        raise UnitImportError(errors)
    return _apply_rows(rows, existing)


@transaction.atomic
def _apply_rows(rows: list[_Row], existing: dict[str, Unit]) -> ImportResult:
    result = ImportResult()
    units = dict(existing)
    for row in rows:
        unit = units.get(row.code)
        if unit is not None:
            if unit.name != row.name:
                Unit.objects.filter(pk=unit.pk).update(name=row.name)
                result.renamed.append(row.code)
            else:
                result.unchanged += 1
            continue
        values = {"code": row.code, "kind": row.kind, "name": row.name}
        if row.parent_code:
            parent = Unit.objects.get(pk=units[row.parent_code].pk)  # fresh numchild/path
            unit = Unit.objects.add_child(parent, values)
        else:
            unit = Unit.objects.add_root(values)
        units[row.code] = unit
        result.created.append(row.code)
    return result


def export_units_csv(units: QuerySet[Unit] | None = None) -> str:
    """The tree (or the given units) as CSV in tree order; importable as it is."""
    chosen = list((Unit.objects.all() if units is None else units).order_by("path"))
    by_path = {u.path: u.code for u in Unit.objects.filter(path__in=_parent_paths(chosen))}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for unit in chosen:
        parent_path = unit.path[: -Unit.steplen]
        writer.writerow([unit.code, by_path.get(parent_path, ""), unit.kind, unit.name])
    return out.getvalue()


def _parent_paths(units: Iterable[Unit]) -> set[str]:
    return {u.path[: -Unit.steplen] for u in units if len(u.path) > Unit.steplen}
