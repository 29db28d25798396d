"""Bulk import of indicators from CSV, JSON or a plain list, with a dry run.

An import lists directly, without the four-eyes rule: it is a verifier's decision to trust a
known source (the national list, a partner's feed), so it needs the verify permission on the
province (the root unit), and every indicator it lists or changes gets its own audit event naming
the verifier and the source. A dry run writes nothing and tells, row by row, what would happen.

Formats:
- list: one value per line; "#" starts a comment.
- csv: value[,kind[,category[,risk]]], with or without a header row (value/url, kind,
  category/type, risk/level).
- json: a list of strings, or of objects {"value" or "url", "kind", "category" or "type", "risk"
  or "level"}: the Chống Lừa Đảo typed blacklist ({"url", "type", "level"}) reads as is.

Wildcards as public blacklists write them: "http://host/*" is the domain "host" (its subdomains
too; the IP address for "http://1.2.3.4/*"), "http://host/path/*" the URL prefix
"http://host/path/", "*.host" the domain "host". Names on the allowlist are not listed at domain
level (the matcher would ignore such a listing).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from indicators.allowlist import Allowlist, shipped_allowlist
from indicators.kinds import Kind
from indicators.models import AllowedName, Category, Indicator, Risk, Status
from indicators.normalise import guess_kind, normalise, to_kind
from indicators.services import Listing, indicators_by_key, list_indicators
from indicators.urlcanon import canonical_parts
from orgs.models import User

from .audit import actor_label
from .models import AuditAction, AuditEvent
from .services import WorkflowError, _require_verifier, root_unit

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 50_000
FORMATS = ("csv", "json", "list")

# Types used by public Vietnamese blacklists -> our categories. None: outside what this
# platform lists (it protects from fraud; it does not judge content or opinions).
EXTERNAL_TYPES: dict[str, str | None] = {
    "scam": Category.SCAM,
    "fraud": Category.SCAM,
    "phishing": Category.PHISHING,
    "impersonate_fake": Category.IMPERSONATION,
    "impersonation": Category.IMPERSONATION,
    "dangerous_link": Category.MALWARE,
    "malware": Category.MALWARE,
    "investment": Category.INVESTMENT,
    "gambling": Category.GAMBLING,
    "other": Category.OTHER,
    "bad_sensitive_content": None,
}
LEVELS = {"high": Risk.HIGH, "medium": Risk.MEDIUM, "low": Risk.LOW}


class Outcome:
    ADD = "add"
    CHANGE = "change"
    UNCHANGED = "unchanged"
    DUPLICATE = "duplicate"
    INVALID = "invalid"
    ALLOWLISTED = "allowlisted"
    OUT_OF_SCOPE = "out_of_scope"


OUTCOME_LABELS = {
    Outcome.ADD: gettext_lazy("thêm vào danh sách"),
    Outcome.CHANGE: gettext_lazy("đổi phân loại hoặc mức rủi ro"),
    Outcome.UNCHANGED: gettext_lazy("đã có, giữ nguyên"),
    Outcome.DUPLICATE: gettext_lazy("trùng dòng trước"),
    Outcome.INVALID: gettext_lazy("không hợp lệ"),
    Outcome.ALLOWLISTED: gettext_lazy("không bao giờ chặn"),
    Outcome.OUT_OF_SCOPE: gettext_lazy("ngoài phạm vi"),
}


@dataclass
class ImportRow:
    line: int
    raw: str
    kind: str = ""
    value: str = ""
    category: str = ""
    risk: str = ""
    outcome: str = ""
    message: str = ""

    @property
    def outcome_label(self) -> str:
        return str(OUTCOME_LABELS.get(self.outcome, self.outcome))


@dataclass
class ImportResult:
    dry_run: bool
    rows: list[ImportRow] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for row in self.rows:
            counts[row.outcome] = counts.get(row.outcome, 0) + 1
        return counts

    @property
    def labelled_counts(self) -> list[tuple[str, int]]:
        return [(str(OUTCOME_LABELS.get(k, k)), n) for k, n in self.counts.items()]


@dataclass
class _Item:
    line: int
    raw: str
    kind: str = ""
    category: str = ""
    risk: str = ""


def _text(data: str | bytes) -> str:
    if isinstance(data, bytes):
        if len(data) > MAX_BYTES:
            raise WorkflowError(_("Tệp quá lớn (tối đa 5 MB)."))
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise WorkflowError(_("Tệp phải được mã hoá UTF-8.")) from None
    if len(data) > MAX_BYTES:
        raise WorkflowError(_("Dữ liệu quá lớn (tối đa 5 MB)."))
    return data


def _parse_list(text: str) -> list[_Item]:
    items = []
    for no, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if line and not line.startswith("#"):
            items.append(_Item(no, line))
    return items


_HEADER = {"value", "url", "gia_tri", "giá trị"}


def _parse_csv(text: str) -> list[_Item]:
    rows = list(csv.reader(io.StringIO(text)))
    columns = ["value", "kind", "category", "risk"]
    start = 0
    if rows and rows[0] and rows[0][0].strip().lower() in _HEADER:
        names = {"url": "value", "gia_tri": "value", "giá trị": "value", "type": "category"}
        names["level"] = "risk"
        columns = [names.get(c.strip().lower(), c.strip().lower()) for c in rows[0]]
        start = 1
    items = []
    for no, row in enumerate(rows[start:], start + 1):
        cells = dict(zip(columns, (c.strip() for c in row), strict=False))
        if cells.get("value"):
            items.append(
                _Item(
                    no,
                    cells["value"],
                    cells.get("kind", ""),
                    cells.get("category", ""),
                    cells.get("risk", ""),
                )
            )
    return items


def _parse_json(text: str) -> list[_Item]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise WorkflowError(_("JSON không hợp lệ (dòng %(n)d).") % {"n": error.lineno}) from None
    if not isinstance(data, list):
        raise WorkflowError(_("JSON phải là một danh sách (mảng)."))
    items = []
    for no, entry in enumerate(data, 1):
        if isinstance(entry, str):
            items.append(_Item(no, entry))
        elif isinstance(entry, dict):
            value = entry.get("value") or entry.get("url") or ""
            category = entry.get("category") or entry.get("type") or ""
            risk = entry.get("risk") or entry.get("level") or ""
            items.append(
                _Item(no, str(value), str(entry.get("kind") or ""), str(category), str(risk))
            )
        else:
            items.append(_Item(no, json.dumps(entry)[:200]))
    return items


def _from_wildcard(raw: str) -> tuple[str, str]:
    """(kind, value) for a blacklist entry with "*"."""
    if raw.startswith("*."):
        return Kind.DOMAIN, normalise(Kind.DOMAIN, raw[2:])
    if raw.endswith("/*") and "*" not in raw[:-2]:
        base = raw[:-2]
        parts = canonical_parts(base if "://" in base else "http://" + base)
        if parts.path in ("", "/") and parts.query is None:
            if parts.is_ip:
                return Kind.IP, normalise(Kind.IP, parts.host)
            return Kind.DOMAIN, normalise(Kind.DOMAIN, parts.host)
        return Kind.URL, normalise(Kind.URL, base.rstrip("/") + "/")
    raise ValueError("Chỉ hỗ trợ ký tự * ở cuối (“…/*”) hoặc ở đầu tên miền (“*.tên-miền”).")


def _resolve(item: _Item, default_category: str, default_risk: str, allow: Allowlist) -> ImportRow:
    row = ImportRow(line=item.line, raw=item.raw[:300])
    category = default_category
    if item.category:
        key = item.category.strip().lower()
        if key in Category.values:
            category = key
        elif key in EXTERNAL_TYPES:
            external = EXTERNAL_TYPES[key]
            if external is None:
                row.outcome = Outcome.OUT_OF_SCOPE
                row.message = _(
                    "Loại “%(type)s” nằm ngoài phạm vi (chỉ nhận lừa đảo, giả mạo, mã độc)."
                ) % {"type": key[:40]}
                return row
            category = external
        else:
            row.outcome = Outcome.INVALID
            row.message = _("Phân loại không hợp lệ: “%(c)s”.") % {"c": item.category[:40]}
            return row
    row.category = category
    row.risk = LEVELS.get(item.risk.strip().lower(), default_risk) if item.risk else default_risk
    try:
        if item.kind:
            kind = to_kind(item.kind.strip().lower())
            row.kind, row.value = kind.value, normalise(kind, item.raw)
        elif "*" in item.raw:
            wildcard_kind, row.value = _from_wildcard(item.raw.strip())
            row.kind = Kind(wildcard_kind).value
        else:
            kind = guess_kind(item.raw)
            row.kind, row.value = kind.value, normalise(kind, item.raw)
    except ValueError as error:
        row.outcome, row.message = Outcome.INVALID, str(error)
        return row
    if row.kind == Kind.DOMAIN and allow.covers(row.value):
        row.outcome = Outcome.ALLOWLISTED
        row.message = _("Tên miền thuộc danh sách không bao giờ chặn.")
    return row


def _classify(rows: list[ImportRow]) -> dict[tuple[str, str], Indicator]:
    """add / change / unchanged / duplicate for rows that resolved to a value. Returns the
    indicators already recorded, by (kind, value), for _write's audit events."""
    pending = [r for r in rows if not r.outcome]
    seen: set[tuple[str, str]] = set()
    existing = indicators_by_key(dict.fromkeys((row.kind, row.value) for row in pending))
    for row in pending:
        key = (row.kind, row.value)
        if key in seen:
            row.outcome = Outcome.DUPLICATE
            continue
        seen.add(key)
        indicator = existing.get(key)
        if indicator is None or indicator.status != Status.LISTED:
            row.outcome = Outcome.ADD
            if indicator is not None:
                row.message = _("Hiện ở trạng thái “%(s)s”.") % {
                    "s": indicator.get_status_display()
                }
        elif (indicator.category, indicator.risk) != (row.category, row.risk):
            row.outcome = Outcome.CHANGE
            row.message = _("Đang ở phân loại “%(c)s”.") % {"c": indicator.get_category_display()}
        else:
            row.outcome = Outcome.UNCHANGED
    return existing


def import_indicators(
    *,
    data: str | bytes,
    fmt: str,
    source: str,
    category: str,
    listed_by: User,
    dry_run: bool,
    risk: str = Risk.HIGH,
) -> ImportResult:
    """Read the data, tell what each row would do, and unless dry_run list what is new or
    changed. WorkflowError (Vietnamese) when the data as a whole cannot be read."""
    source = (source or "").strip()
    if not source or len(source) > 200:
        raise WorkflowError(_("Hãy ghi nguồn của danh sách (tối đa 200 ký tự)."))
    if fmt not in FORMATS:
        raise WorkflowError(_("Định dạng phải là CSV, JSON hoặc danh sách."))
    if category not in Category.values or risk not in Risk.values:
        raise WorkflowError(_("Phân loại hoặc mức rủi ro không hợp lệ."))
    if not dry_run:
        unit = root_unit()
        if unit is None:
            raise WorkflowError(_("Chưa có cây đơn vị."))
        _require_verifier(listed_by, unit)
    text = _text(data)
    items = {"csv": _parse_csv, "json": _parse_json, "list": _parse_list}[fmt](text)
    if len(items) > MAX_ROWS:
        raise WorkflowError(_("Quá nhiều dòng (tối đa %(n)d).") % {"n": MAX_ROWS})
    allow = shipped_allowlist().with_names(
        AllowedName.objects.values_list("name", "include_subdomains")
    )
    result = ImportResult(dry_run=dry_run)
    result.rows = [_resolve(item, category, risk, allow) for item in items]
    existing = _classify(result.rows)
    if not dry_run:
        _write(result.rows, existing, source=source, listed_by=listed_by)
    return result


def _write(
    rows: list[ImportRow],
    existing: dict[tuple[str, str], Indicator],
    *,
    source: str,
    listed_by: User,
) -> None:
    label = actor_label(listed_by)
    reason = f"Nhập danh sách từ nguồn: {source}"
    written = [row for row in rows if row.outcome in (Outcome.ADD, Outcome.CHANGE)]
    with transaction.atomic():
        listed = list_indicators(
            (Listing(row.kind, row.value, row.category, row.risk) for row in written),
            public_reason=f"Có trong danh sách cảnh báo của nguồn: {source}.",
            source=source,
        )
        events = []
        for row in written:
            # As _classify read it a moment ago: one query for the whole file, not one a row.
            before = existing.get((row.kind, row.value))
            indicator = listed[(row.kind, row.value)]
            events.append(
                AuditEvent(
                    actor=listed_by,
                    actor_label=label,
                    action=AuditAction.IMPORTED,
                    indicator=indicator,
                    before={"status": before.status, "category": before.category} if before else {},
                    after={
                        "status": indicator.status,
                        "category": indicator.category,
                        "risk": indicator.risk,
                    },
                    reason=reason,
                )
            )
        AuditEvent.objects.bulk_create(events, batch_size=500)
