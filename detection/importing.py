"""Import of a labelled corpus (CSV content,label[,sender_type]) into LabelledMessage.

The whole file is read and checked first; a file with any bad row (or a bad header, encoding or
size) imports nothing, and every bad row is reported by its line number. A good file is written in
one transaction, each row with its provenance (source name, file, line, when, by whom).

The same folded text is stored once per source and label (models.text_key): a duplicate line
and a re-import add nothing. A text that the file, or another source, labels both ways is
stored with both labels and reported: models.select_training_texts leaves it out of training,
unless a verifier has labelled it (a verifier's label always wins, and such cases are reported
too).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import (
    MAX_CONTENT,
    RESERVED_SOURCES,
    LabelledMessage,
    SenderType,
    text_key,
)

MAX_BYTES = 50 * 1024 * 1024
MAX_ROWS = 200_000
PROGRESS_EVERY = 1000
COLUMNS = ("content", "label", "sender_type")
# "unknown" is how corpora write "" (the check page's "Không rõ").
SENDER_VALUES = {"unknown": "", **{value: value for value in SenderType.values}}
_SOURCE_NAME = re.compile(r"^[\w.\-]{1,60}$")
# C0 controls other than tab, line feed and carriage return: binary, never a typed message.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Row:
    line: int
    content: str
    label: int
    sender_type: str
    key: str


@dataclass(frozen=True)
class Problem:
    line: int
    message: str

    def __str__(self) -> str:
        return _("dòng %(line)d: %(message)s") % {"line": self.line, "message": self.message}


@dataclass
class ImportReport:
    source: str
    file_name: str
    dry_run: bool = False
    rows: int = 0  # data rows read
    added: int = 0  # rows stored (or that would be, on a dry run)
    duplicates: int = 0  # same text and label as an earlier line of the file
    present: int = 0  # already stored from this source
    errors: list[Problem] = field(default_factory=list)
    conflicts: list[Problem] = field(default_factory=list)  # kept out of training
    overruled: list[Problem] = field(default_factory=list)  # a verifier's label wins

    @property
    def ok(self) -> bool:
        return not self.errors


def check_source(name: str) -> str:
    """The source name, or ValueError (Vietnamese) if it cannot name a corpus."""
    name = (name or "").strip()
    if not _SOURCE_NAME.match(name):
        raise ValueError(
            _("Tên nguồn chỉ gồm chữ, số, dấu chấm, gạch ngang, gạch dưới (tối đa 60 ký tự).")
        )
    if name.lower() in RESERVED_SOURCES or name.lower().startswith("report"):
        raise ValueError(
            _("Tên nguồn “%(name)s” đã dành riêng; hãy chọn tên khác.") % {"name": name}
        )
    return name


def import_labelled_file(
    *,
    path: Path,
    source: str,
    imported_by: str,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Check the whole file, then (unless dry_run or any row is bad) store its new rows."""
    source = check_source(source)
    report = ImportReport(source=source, file_name=path.name, dry_run=dry_run)
    rows = _read_file(path, report, progress)
    if not report.ok:
        return report
    fresh = _dedupe(rows, report)
    fresh = _against_stored(fresh, report)
    report.added = len(fresh)
    if not dry_run and fresh:
        _store(fresh, report, imported_by=imported_by, progress=progress)
    return report


def _read_file(path: Path, report: ImportReport, progress: Progress | None) -> list[Row]:
    size = path.stat().st_size
    if size > MAX_BYTES:
        report.errors.append(
            Problem(0, _("tệp quá lớn (tối đa %(mb)d MB).") % {"mb": MAX_BYTES // 2**20})
        )
        return []
    text = _decode(path.read_bytes(), report)
    if text is None:
        return []
    return list(_parse(text, report, progress))


def _decode(data: bytes, report: ImportReport) -> str | None:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        report.errors.append(
            Problem(
                line,
                _("tệp không phải UTF-8 (byte không đọc được ở vị trí %(at)d).")
                % {"at": error.start},
            )
        )
        return None


def _parse(text: str, report: ImportReport, progress: Progress | None) -> Iterator[Row]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header = _header(reader, report)
    if header is None:
        return
    while True:
        line = reader.line_num + 1  # where this record starts (content may span lines)
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            report.errors.append(
                Problem(line, _("lỗi định dạng CSV (%(error)s).") % {"error": error})
            )
            return
        if not cells or cells == [""]:
            continue  # a blank line
        report.rows += 1
        if report.rows > MAX_ROWS:
            report.errors.append(Problem(line, _("quá %(max)d dòng.") % {"max": MAX_ROWS}))
            return
        row = _row(line, dict(zip(header, cells, strict=False)), len(cells) > len(header), report)
        if row is not None:
            yield row
        if progress and report.rows % PROGRESS_EVERY == 0:
            progress(_("đã kiểm tra %(rows)d dòng") % {"rows": report.rows})
    if report.rows == 0 and report.ok:
        report.errors.append(Problem(2, _("tệp không có dòng dữ liệu nào.")))


def _header(reader: Iterator[list[str]], report: ImportReport) -> list[str] | None:
    try:
        header = [cell.strip().lower() for cell in next(reader)]
    except (StopIteration, csv.Error):
        header = []
    if (
        header[:2] != ["content", "label"]
        or not set(header) <= set(COLUMNS)
        or len(set(header)) != len(header)
    ):
        report.errors.append(
            Problem(
                1,
                _(
                    "dòng tiêu đề phải là content,label hoặc content,label,sender_type (thấy: %(seen)s)."
                )
                % {"seen": ",".join(header)[:80] or _("trống")},
            )
        )
        return None
    return header


def _row(line: int, cells: dict[str, str], extra: bool, report: ImportReport) -> Row | None:
    content = (cells.get("content") or "").strip()
    label = (cells.get("label") or "").strip()
    sender = (cells.get("sender_type") or "").strip().lower()
    problem = None
    if extra:
        problem = _("thừa cột (chỉ có content,label,sender_type).")
    elif any(_CONTROL.search(value) for value in cells.values()):
        problem = _("có ký tự nhị phân (NUL) hoặc ký tự điều khiển.")
    elif not content:
        problem = _("thiếu nội dung tin nhắn.")
    elif len(content) > MAX_CONTENT:
        problem = _("tin nhắn dài %(length)d ký tự, tối đa %(max)d.") % {
            "length": len(content),
            "max": MAX_CONTENT,
        }
    elif label not in ("0", "1"):
        problem = _("nhãn phải là 0 (bình thường) hoặc 1 (lừa đảo), thấy “%(label)s”.") % {
            "label": label[:20]
        }
    elif sender not in SENDER_VALUES:
        problem = _(
            "loại người gửi “%(sender)s” không rõ (brandname, shortcode, personal_number, "
            "unknown hoặc để trống)."
        ) % {"sender": sender[:30]}
    if problem:
        report.errors.append(Problem(line, problem))
        return None
    return Row(line, content, int(label), SENDER_VALUES[sender], text_key(content))


def _dedupe(rows: list[Row], report: ImportReport) -> list[Row]:
    """One row per (text, label); a text the file labels both ways is reported once."""
    first: dict[tuple[str, int], Row] = {}
    for row in rows:
        if (row.key, row.label) in first:
            report.duplicates += 1
            continue
        other = first.get((row.key, 1 - row.label))
        if other is not None:
            report.conflicts.append(
                Problem(
                    row.line,
                    _(
                        "cùng nội dung với dòng %(other)d nhưng nhãn ngược lại; không dùng để "
                        "huấn luyện."
                    )
                    % {"other": other.line},
                )
            )
        first[(row.key, row.label)] = row
    return list(first.values())


class _StoredLabel(Protocol):
    """The columns of a stored LabelledMessage that an import compares with."""

    @property
    def text_hash(self) -> str: ...
    @property
    def label(self) -> int: ...
    @property
    def source(self) -> str: ...
    @property
    def imported_at(self) -> datetime | None: ...


def _against_stored(rows: list[Row], report: ImportReport) -> list[Row]:
    """Rows not stored yet from this source; report stored labels that disagree."""
    stored: dict[str, list[_StoredLabel]] = {}
    keys = sorted({row.key for row in rows})
    for start in range(0, len(keys), 500):
        found = LabelledMessage.objects.filter(text_hash__in=keys[start : start + 500])
        for hit in found.values_list("text_hash", "label", "source", "imported_at", named=True):
            stored.setdefault(hit.text_hash, []).append(hit)
    fresh = []
    for row in rows:
        hits = stored.get(row.key, [])
        if any(h.source == report.source and h.label == row.label and h.imported_at for h in hits):
            report.present += 1
            continue
        fresh.append(row)
        _report_disagreement(row, [h for h in hits if h.label != row.label], report)
    return fresh


def _report_disagreement(row: Row, against: list[_StoredLabel], report: ImportReport) -> None:
    if any(h.imported_at is None for h in against):
        message = _("cán bộ xác minh đã gán nhãn khác cho tin này; nhãn của cán bộ được dùng.")
        report.overruled.append(Problem(row.line, message))
    elif against:
        names = ", ".join(sorted({h.source for h in against}))
        message = _("nguồn %(names)s gán nhãn ngược lại; không dùng để huấn luyện.") % {
            "names": names
        }
        report.conflicts.append(Problem(row.line, message))


def _store(
    rows: list[Row], report: ImportReport, *, imported_by: str, progress: Progress | None
) -> None:
    now = timezone.now()
    with transaction.atomic():
        for start in range(0, len(rows), PROGRESS_EVERY):
            LabelledMessage.objects.bulk_create(
                [
                    LabelledMessage(
                        content=row.content,
                        label=row.label,
                        sender_type=row.sender_type,
                        text_hash=row.key,
                        source=report.source,
                        source_file=report.file_name[:255],
                        source_line=row.line,
                        imported_at=now,
                        imported_by=imported_by[:150],
                    )
                    for row in rows[start : start + PROGRESS_EVERY]
                ],
                ignore_conflicts=True,  # another import of the same file at the same moment
            )
            if progress:
                done = min(start + PROGRESS_EVERY, len(rows))
                progress(_("đã lưu %(done)d/%(total)d dòng") % {"done": done, "total": len(rows)})
