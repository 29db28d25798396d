"""Re-parent a unit tree by a mapping CSV (old_code,new_code): the merger of communes in 2025,
and the next one.

Everything that points at an old unit moves to its new unit: the rows are found through Django's
model meta (every foreign key to Unit in every installed app), so a model added later moves too.
The old unit's own sub-units move under the new unit, unless the file maps them as well. The old
unit itself stays, marked merged with a pointer to its successor, so that history still reads.
All in one transaction: a bad file, or any failure half way, changes nothing.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from django.apps import apps
from django.db import models, transaction
from django.db.models import ForeignObjectRel
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import ALLOWED_PARENT_KINDS, RoleAssignment, Unit
from .services import MAX_CSV_BYTES, MAX_CSV_ROWS

if TYPE_CHECKING:
    from django.contrib.contenttypes.fields import GenericForeignKey

MAPPING_COLUMNS = ["old_code", "new_code"]
CHILDREN_MOVED = "orgs.Unit (đơn vị trực thuộc chuyển sang cấp trên mới)"
UNITS_MERGED = "orgs.Unit (đơn vị cũ giữ lại, đánh dấu đã sáp nhập)"


class MappingError(Exception):
    """The mapping was rejected; `errors` lists each problem with its line number."""

    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class Merge:
    line: int
    old: Unit
    new: Unit  # as written on the line
    target: Unit  # where things end up: `new`, or further along when the file maps `new` too


@dataclass
class ReparentResult:
    merges: list[Merge] = field(default_factory=list)
    moved: Counter[str] = field(default_factory=Counter)  # "app.Model.field" -> rows
    dropped: Counter[str] = field(default_factory=Counter)  # rows that would duplicate a unique row
    already_done: int = 0
    dry_run: bool = False
    widened: list[str] = field(default_factory=list)  # roles that now reach further


def unit_foreign_keys() -> list[models.ForeignKey[Unit, Unit]]:
    """Every concrete foreign key (and one-to-one) to Unit in every installed model, many-to-many
    tables included; except Unit.successor, which is the history this command writes."""
    found = []
    for model in apps.get_models(include_auto_created=True):
        for f in model._meta.local_fields:
            if f.is_relation and f.related_model is Unit and f is not _successor_field():
                # A concrete relation among local fields: a ForeignKey (or a OneToOneField).
                found.append(cast("models.ForeignKey[Unit, Unit]", f))
    return found


def _successor_field() -> models.ForeignKey[Unit | None, Unit | None]:
    return Unit.successor.field


def _read_lines(text: str) -> tuple[list[tuple[int, str, str]], list[str]]:
    if len(text.encode()) > MAX_CSV_BYTES:
        return [], [_("Tệp quá lớn (tối đa %(mb)d MB).") % {"mb": MAX_CSV_BYTES // 1024 // 1024}]
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in (reader.fieldnames or [])]
    if any(c not in header for c in MAPPING_COLUMNS):
        return [], [_("Dòng 1: tiêu đề phải là old_code,new_code.")]
    reader.fieldnames = header
    lines: list[tuple[int, str, str]] = []
    for record in reader:
        if len(lines) >= MAX_CSV_ROWS:
            return lines, [_("Tệp có quá %(n)d dòng.") % {"n": MAX_CSV_ROWS}]
        old, new = ((record.get(c) or "").strip() for c in MAPPING_COLUMNS)
        lines.append((reader.line_num, old, new))
    if not lines:
        return [], [_("Tệp không có dòng dữ liệu nào.")]
    return lines, []


def _check_line(
    line: int, old_code: str, new_code: str, units: dict[str, Unit], first_line: dict[str, int]
) -> list[str]:
    at = _("Dòng %(n)d") % {"n": line}
    if not old_code or not new_code:
        return [_("%(at)s: thiếu mã cũ hoặc mã mới.") % {"at": at}]
    errors = []
    if old_code not in units:
        errors.append(_("%(at)s: không có đơn vị mã cũ “%(c)s”.") % {"at": at, "c": old_code[:40]})
    if new_code not in units:
        errors.append(
            _("%(at)s: không có đơn vị mã mới “%(c)s” (hãy nhập đơn vị mới trước).")
            % {"at": at, "c": new_code[:40]}
        )
    if old_code == new_code:
        errors.append(
            _("%(at)s: mã cũ và mã mới trùng nhau (“%(c)s”).") % {"at": at, "c": old_code}
        )
    if old_code in first_line:
        errors.append(
            _("%(at)s: đơn vị “%(c)s” đã được chuyển ở dòng %(m)d.")
            % {"at": at, "c": old_code, "m": first_line[old_code]}
        )
    return errors


def _target(code: str, mapping: dict[str, str]) -> tuple[str, list[str]]:
    """Follow old -> new -> ... to the last code; the chain walked, ending in a repeat on a cycle."""
    chain = [code]
    while chain[-1] in mapping:
        chain.append(mapping[chain[-1]])
        if chain[-1] in chain[:-1]:
            break
    return chain[-1], chain


def plan_reparent(*, text: str) -> tuple[list[Merge], int]:
    """Read and check the whole mapping (every problem, each with its line number), or raise
    MappingError. Returns the merges to make and how many lines were already done before."""
    lines, errors = _read_lines(text)
    units = {u.code: u for u in Unit.objects.all()}
    first_line: dict[str, int] = {}
    for line, old, new in lines:
        errors += _check_line(line, old, new, units, first_line)
        first_line.setdefault(old, line)
    if errors:
        raise MappingError(errors)
    mapping = {old: new for _line, old, new in lines}
    merges, done = [], 0
    for line, old, new in lines:
        at = _("Dòng %(n)d") % {"n": line}
        final, chain = _target(old, mapping)
        old_unit, target = units[old], units[final]
        if chain[-1] in chain[:-1]:
            errors.append(_("%(at)s: vòng lặp %(c)s.") % {"at": at, "c": " → ".join(chain)})
        elif old_unit.successor_id is not None:
            if old_unit.successor_id == units[new].pk:
                done += 1  # the same file, run again: nothing left to do for this line
                continue
            errors.append(_("%(at)s: đơn vị “%(c)s” đã sáp nhập từ trước.") % {"at": at, "c": old})
        elif not target.is_active:
            errors.append(
                _("%(at)s: đơn vị mới “%(c)s” đã sáp nhập vào đơn vị khác.")
                % {"at": at, "c": final}
            )
        elif old_unit.covers(target):
            errors.append(
                _("%(at)s: đơn vị mới “%(n)s” nằm trong đơn vị cũ “%(o)s”.")
                % {"at": at, "n": final, "o": old}
            )
        else:
            merges.append(Merge(line=line, old=old_unit, new=units[new], target=target))
    errors += _check_children(merges, mapping)
    if errors:
        raise MappingError(errors)
    return merges, done


def _children_to_move(merges: list[Merge], mapping: dict[str, str]) -> list[tuple[Merge, Unit]]:
    """Direct sub-units of each old unit that the file does not map itself."""
    result = []
    for merge in merges:
        for child in Unit.objects.get_children(merge.old):
            if child.code not in mapping and child.is_active:
                result.append((merge, child))
    return result


def _check_children(merges: list[Merge], mapping: dict[str, str]) -> list[str]:
    errors = []
    for merge, child in _children_to_move(merges, mapping):
        if merge.target.kind not in ALLOWED_PARENT_KINDS[child.kind]:
            errors.append(
                _(
                    "Dòng %(n)d: đơn vị trực thuộc “%(c)s” (loại %(k)s) không thể chuyển vào "
                    "“%(t)s” (loại %(tk)s); hãy thêm một dòng cho nó."
                )
                % {
                    "n": merge.line,
                    "c": child.code,
                    "k": child.kind,
                    "t": merge.target.code,
                    "tk": merge.target.kind,
                }
            )
    return errors


def reparent_units(*, text: str, dry_run: bool = False) -> ReparentResult:
    """Check the mapping, then make every move in one transaction (rolled back on a dry run, so
    the counts it reports are exactly what a real run does)."""
    merges, done = plan_reparent(text=text)
    result = ReparentResult(merges=merges, already_done=done, dry_run=dry_run)
    mapping = {m.old.code: m.new.code for m in merges}
    with transaction.atomic():
        children = _children_to_move(merges, mapping)
        for merge in merges:
            _warn_if_wider(merge, result)
            _move_rows(merge, result)
        for merge, child in children:
            # Fresh copies: every move rewrites paths below and numchild above.
            Unit.objects.move(
                Unit.objects.get(pk=child.pk), Unit.objects.get(pk=merge.target.pk), "sorted-child"
            )
            result.moved[CHILDREN_MOVED] += 1
        now = timezone.now()
        for merge in merges:
            Unit.objects.filter(pk=merge.old.pk).update(successor=merge.new, merged_at=now)
            result.moved[UNITS_MERGED] += 1
        if dry_run:
            transaction.set_rollback(True)
    return result


def _warn_if_wider(merge: Merge, result: ReparentResult) -> None:
    """Roles moved up the tree (a district's verifier into the province) reach every unit below
    their new unit: worth a look before the real run."""
    if not merge.target.covers(merge.old):
        return
    roles = RoleAssignment.objects.filter(unit=merge.old).count()
    if roles:
        result.widened.append(
            _("Dòng %(n)d: %(r)d phân quyền của “%(o)s” nay có hiệu lực trên toàn “%(t)s”.")
            % {"n": merge.line, "r": roles, "o": merge.old.code, "t": merge.target.code}
        )


def _move_rows(merge: Merge, result: ReparentResult) -> None:
    for fk in unit_foreign_keys():
        model = fk.model
        rows = model._base_manager.filter(**{fk.attname: merge.old.pk})
        label = f"{model._meta.label}.{fk.name}"
        for others in _unique_together_with(fk):
            # A row the target already has (the same person's same role on both units): moving
            # it would break the unique rule, and it says nothing the target's row does not.
            on_target = model._base_manager.filter(**{fk.attname: merge.target.pk})
            if not others:  # a one-to-one: the target's own row wins
                duplicate = list(rows.values_list("pk", flat=True)) if on_target.exists() else []
            else:
                taken = set(on_target.values_list(*others))
                duplicate = [
                    pk for pk, *key in rows.values_list("pk", *others) if tuple(key) in taken
                ]
            if duplicate:
                model._base_manager.filter(pk__in=duplicate).delete()
                result.dropped[label] += len(duplicate)
        moved = rows.update(**{fk.attname: merge.target.pk})
        if moved:
            result.moved[label] += moved


def _column(field: models.Field[Any, Any] | ForeignObjectRel | GenericForeignKey) -> str:
    """The column of a field a unique rule names (a concrete field, never a reverse relation)."""
    assert isinstance(field, models.Field)
    return field.attname


def _unique_together_with(fk: models.ForeignKey[Unit, Unit]) -> list[list[str]]:
    """For each unique rule that includes `fk`: the other columns of the rule."""
    meta = fk.model._meta
    rules = [list(names) for names in meta.unique_together]
    rules += [
        list(c.fields)
        for c in meta.constraints
        if isinstance(c, models.UniqueConstraint) and c.fields and c.condition is None
    ]
    if fk.unique:
        rules.append([fk.name])
    return [
        [_column(meta.get_field(name)) for name in rule if name != fk.name]
        for rule in rules
        if fk.name in rule
    ]
