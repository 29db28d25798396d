"""The feed formats: each a generator of text that writes one listing at a time.

Rows come in id order from feeds.py. Domain blocklists (RPZ, hosts, ABP/AdGuard, dnsmasq,
Unbound) get domain listings only, and DomainFilter drops what must never be blocked: names the
allowlist covers and public suffixes (a listing never reaches above a registrable domain). Where
the format can say "not this one", an allowlisted name under a listed domain gets an exception
(RPZ passthru, ABP @@, dnsmasq server=/…/#, Unbound transparent). Listings on shared platforms
are URL listings and appear only in CSV, JSON, STIX and MISP.

Increments (since=VERSION): CSV, JSON, STIX and MISP carry additions and removals (a removal:
action "removed", a revoked STIX indicator, a deleted MISP attribute). The text blocklists can
only say what to block, so their increments carry additions only; a client applies removals by
fetching the full file again (its ETag tells when that is needed).

Feeds carry indicator values, kinds, categories, risk, public reasons and timestamps: never who
reported them, nor anything about a victim.
"""

from __future__ import annotations

import csv
import io
import json
import re
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import NamedTuple, TypedDict

import stix2

from indicators.allowlist import Allowlist
from indicators.kinds import Kind
from indicators.urlcanon import public_suffix

# Stable ids: the same listing has the same STIX id and MISP uuid in every feed and increment.
NAMESPACE = uuid.UUID("6d1b7c1e-3c55-5b8e-9a55-0c1b6f2a7a10")

_DOMAIN = re.compile(r"(?:[a-z0-9_](?:[a-z0-9_\-]{0,61}[a-z0-9_])?\.)+[a-z0-9\-]{2,63}")
MAX_DOMAIN = 230  # room for "*." and the zone's own name within DNS's 255


class Row(NamedTuple):
    kind: str
    value: str
    category: str
    risk: str
    public_reason: str
    listed_at: datetime | None
    expires_at: datetime | None
    created_at: datetime
    updated_at: datetime
    listed: bool  # False: a removal (increments only)


class DomainRow(NamedTuple):
    value: str
    listed: bool


@dataclass(frozen=True)
class FeedInfo:
    version: int
    since: int | None
    version_at: datetime | None  # time of the last list change
    publisher: str  # the province's name
    site_url: str

    @property
    def increment(self) -> bool:
        return self.since is not None


def stamp(moment: datetime | None) -> str | None:
    """RFC 3339 in UTC with milliseconds, as STIX wants it."""
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def stable_id(kind: str, value: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{value}"))


# --- domains ----------------------------------------------------------------------------------


class DomainFilter:
    """Which listed domains a blocklist may carry, and the allowlisted names under each."""

    def __init__(self, allowlist: Allowlist) -> None:
        self.allowlist = allowlist
        self.exceptions: dict[str, list[tuple[str, bool]]] = {}
        for names, covering in ((allowlist.covering, True), (allowlist.exact, False)):
            for name in names:
                parent = name
                while "." in parent:
                    parent = parent.split(".", 1)[1]
                    self.exceptions.setdefault(parent, []).append((name, covering))

    def usable(self, name: str) -> bool:
        return (
            len(name) <= MAX_DOMAIN
            and _DOMAIN.fullmatch(name) is not None
            and not self.allowlist.covers(name)
            and public_suffix(name) != name
        )

    def under(self, name: str) -> list[tuple[str, bool]]:
        """(allowlisted name, covers its subdomains) for names that lie under `name`."""
        return self.exceptions.get(name, [])


def _domains(rows: Iterable[Row | DomainRow], domains: DomainFilter) -> Iterator[str]:
    for row in rows:
        if row.listed and domains.usable(row.value):
            yield row.value


def _header(info: FeedInfo, comment: str, title: str) -> str:
    lines = [
        f"{title}",
        f"Canh Giac list version {info.version}, {info.site_url}",
        "Listed after verification by the provincial verification team.",
    ]
    if info.increment:
        lines.append(
            f"Increment since version {info.since}: additions only. "
            "Fetch the full file again to apply removals."
        )
    return "".join(f"{comment} {line}\n" for line in lines)


def _rules(
    rows: Iterable[DomainRow], domains: DomainFilter, *, block: str, allow: str = ""
) -> Iterator[str]:
    """One `block` line per listed domain, then one `allow` line per never-block name under it
    (the formats below differ only in these two lines; hosts files have no exceptions)."""
    for name in _domains(rows, domains):
        yield block.format(name)
        if allow:
            for allowed, _covering in domains.under(name):
                yield allow.format(allowed)


def write_rpz(rows: Iterable[DomainRow], info: FeedInfo, domains: DomainFilter) -> Iterator[str]:
    """A Response Policy Zone: every listed domain and every name under it is NXDOMAIN."""
    yield _header(info, ";", "Canh Giac RPZ: scam and phishing domains (NXDOMAIN)")
    yield (
        "$TTL 300\n"
        f"@ SOA localhost. hostmaster.localhost. {info.version % 2**32} 3600 600 604800 300\n"
        "@ NS localhost.\n"
    )
    for name in _domains(rows, domains):
        yield f"{name} CNAME .\n*.{name} CNAME .\n"
        for allowed, covering in domains.under(name):
            yield f"{allowed} CNAME rpz-passthru.\n"
            if covering:
                yield f"*.{allowed} CNAME rpz-passthru.\n"


def write_hosts(rows: Iterable[DomainRow], info: FeedInfo, domains: DomainFilter) -> Iterator[str]:
    """A hosts file: the listed names themselves (hosts files cannot say "and below")."""
    yield _header(info, "#", "Canh Giac hosts file: scam and phishing domains")
    yield from _rules(rows, domains, block="0.0.0.0 {}\n")


def write_abp(rows: Iterable[DomainRow], info: FeedInfo, domains: DomainFilter) -> Iterator[str]:
    """Adblock Plus / AdGuard DNS filter syntax: ||domain^ blocks it and its subdomains."""
    yield "[Adblock Plus 2.0]\n"
    yield "! Title: Canh Giac: scam and phishing domains\n"
    yield f"! Version: {info.version}\n! Expires: 1 hours\n"
    yield _header(info, "!", "Canh Giac ABP/AdGuard filter")
    yield from _rules(rows, domains, block="||{}^\n", allow="@@||{}^\n")


def write_dnsmasq(
    rows: Iterable[DomainRow], info: FeedInfo, domains: DomainFilter
) -> Iterator[str]:
    """dnsmasq: address=/domain/ answers NXDOMAIN for it and its subdomains."""
    yield _header(info, "#", "Canh Giac dnsmasq configuration: scam and phishing domains")
    yield from _rules(rows, domains, block="address=/{}/\n", allow="server=/{}/#\n")


def write_unbound(
    rows: Iterable[DomainRow], info: FeedInfo, domains: DomainFilter
) -> Iterator[str]:
    """Unbound local zones (include: it from unbound.conf): always NXDOMAIN."""
    yield _header(info, "#", "Canh Giac Unbound local-zone list: scam and phishing domains")
    yield "server:\n"
    yield from _rules(
        rows,
        domains,
        block='  local-zone: "{}." always_nxdomain\n',
        allow='  local-zone: "{}." transparent\n',
    )


# --- every kind -------------------------------------------------------------------------------

CSV_FIELDS = ["kind", "value", "category", "risk", "public_reason", "listed_at", "expires_at"]


def write_csv(rows: Iterable[Row], info: FeedInfo) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow((["action"] if info.increment else []) + CSV_FIELDS)
    for row in rows:
        if row.listed:
            fields = [
                row.kind,
                row.value,
                row.category,
                row.risk,
                row.public_reason,
                stamp(row.listed_at) or "",
                stamp(row.expires_at) or "",
            ]
        else:
            fields = [row.kind, row.value, "", "", "", "", ""]
        if info.increment:
            fields.insert(0, "added" if row.listed else "removed")
        writer.writerow(fields)
        if buffer.tell() > 32_768:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def write_json(rows: Iterable[Row], info: FeedInfo) -> Iterator[str]:
    head = {"version": info.version, "since": info.since, "publisher": info.publisher}
    yield json.dumps(head, ensure_ascii=False)[:-1] + ', "indicators": ['
    separator = ""
    for row in rows:
        if row.listed:
            item = {
                "kind": row.kind,
                "value": row.value,
                "category": row.category,
                "risk": row.risk,
                "public_reason": row.public_reason,
                "listed_at": stamp(row.listed_at),
                "expires_at": stamp(row.expires_at),
            }
        else:
            item = {"kind": row.kind, "value": row.value}
        if info.increment:
            item["action"] = "added" if row.listed else "removed"
        yield separator + json.dumps(item, ensure_ascii=False)
        separator = ",\n"
    yield "]}\n"


# --- STIX 2.1 ---------------------------------------------------------------------------------

STIX_KINDS = (Kind.URL, Kind.DOMAIN, Kind.IP, Kind.EMAIL)


def _stix_literal(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def stix_pattern(kind: str, value: str) -> str:
    if kind == Kind.URL:
        observable = "url"
    elif kind == Kind.DOMAIN:
        observable = "domain-name"
    elif kind == Kind.IP:
        observable = "ipv6-addr" if ":" in value else "ipv4-addr"
    elif kind == Kind.EMAIL:
        observable = "email-addr"
    else:
        raise ValueError(kind)
    return f"[{observable}:value = {_stix_literal(value)}]"


def stix_identity(info: FeedInfo) -> stix2.Identity:
    """The province, as the creator of every indicator in the bundle."""
    return stix2.Identity(
        id=f"identity--{uuid.uuid5(NAMESPACE, 'identity:' + info.site_url)}",
        name=info.publisher,
        identity_class="organization",
        sectors=["government-regional"],
        created="2025-01-01T00:00:00.000Z",
        modified="2025-01-01T00:00:00.000Z",
    )


class StixIndicator(TypedDict, total=False):
    """A STIX 2.1 indicator object, as the stix.json feed writes it."""

    type: str
    spec_version: str
    id: str
    created_by_ref: str
    created: str | None
    modified: str | None
    revoked: bool
    name: str
    indicator_types: list[str]
    pattern: str
    pattern_type: str
    pattern_version: str
    valid_from: str | None
    labels: list[str]
    description: str
    valid_until: str | None


def stix_indicator(row: Row, identity_id: str) -> StixIndicator:
    """One STIX indicator. Written as a plain dict rather than through stix2.Indicator, which
    parses every pattern (0.6 ms each: ten minutes for a million); the patterns here come from
    validated canonical values with their quotes escaped, and the tests parse the whole bundle
    back with stix2 and run stix2-validator over it."""
    created = stamp(row.created_at)
    modified = stamp(max(row.updated_at, row.created_at))
    item: StixIndicator = {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--{stable_id(row.kind, row.value)}",
        "created_by_ref": identity_id,
        "created": created,
        "modified": modified,
    }
    if not row.listed:
        item["revoked"] = True  # a new version of the same object: still a whole indicator
    valid_from = row.listed_at or row.created_at
    item["name"] = f"{row.kind}: {row.value}"[:250]
    item["indicator_types"] = ["malicious-activity"]
    item["pattern"] = stix_pattern(row.kind, row.value)
    item["pattern_type"] = "stix"
    item["pattern_version"] = "2.1"
    item["valid_from"] = stamp(valid_from)
    item["labels"] = [row.category]
    if row.public_reason:
        item["description"] = row.public_reason
    if row.expires_at is not None and row.expires_at > valid_from:
        item["valid_until"] = stamp(row.expires_at)
    return item


def write_stix(rows: Iterable[Row], info: FeedInfo) -> Iterator[str]:
    bundle_id = uuid.uuid5(NAMESPACE, f"bundle:{info.site_url}:{info.version}:{info.since}")
    identity = stix_identity(info)
    yield f'{{"type": "bundle", "id": "bundle--{bundle_id}", "objects": [\n'
    yield identity.serialize()
    for row in rows:
        yield ",\n" + json.dumps(stix_indicator(row, identity.id), ensure_ascii=False)
    yield "\n]}\n"


# --- MISP -------------------------------------------------------------------------------------

# (MISP type, MISP category) for each kind, from the MISP core format's category-type table.
MISP_TYPES = {
    Kind.URL: ("url", "Network activity"),
    Kind.DOMAIN: ("domain", "Network activity"),
    Kind.IP: ("ip-dst", "Network activity"),
    Kind.EMAIL: ("email-src", "Network activity"),
    Kind.PHONE: ("phone-number", "Financial fraud"),
    Kind.BANK_ACCOUNT: ("bank-account-nr", "Financial fraud"),
    Kind.CRYPTO_WALLET: ("text", "Financial fraud"),
    Kind.SENDER: ("text", "Other"),
    Kind.SOCIAL_PROFILE: ("url", "Network activity"),
}


def _epoch(moment: datetime | None) -> str:
    return str(int(moment.timestamp())) if moment else "0"


class MispAttribute(TypedDict):
    """A MISP attribute, as the misp.json feed writes it."""

    uuid: str
    type: str
    category: str
    value: str
    to_ids: bool
    deleted: bool
    distribution: str
    timestamp: str
    first_seen: str | None
    comment: str


def misp_attribute(row: Row) -> MispAttribute:
    misp_type, category = MISP_TYPES[Kind(row.kind)]
    value = row.value
    if row.kind == Kind.SOCIAL_PROFILE:
        value = "https://" + value
    comment = f"{row.kind}; {row.category}"
    if row.listed and row.public_reason:
        comment += f"; {row.public_reason}"
    return {
        "uuid": stable_id(row.kind, row.value),
        "type": misp_type,
        "category": category,
        "value": value,
        "to_ids": row.listed,
        "deleted": not row.listed,
        "distribution": "5",  # as the event
        "timestamp": _epoch(max(row.updated_at, row.created_at)),
        "first_seen": stamp(row.listed_at) if row.listed else None,
        "comment": comment[:1000],
    }


def write_misp(rows: Iterable[Row], info: FeedInfo) -> Iterator[str]:
    at = _epoch(info.version_at)
    event = {
        "uuid": str(uuid.uuid5(NAMESPACE, f"misp-event:{info.site_url}:{info.since}")),
        "info": f"Canh Giac: scam and phishing indicators, list version {info.version}"
        + (f" (changes since {info.since})" if info.increment else ""),
        "date": (info.version_at or datetime(2025, 1, 1, tzinfo=UTC)).date().isoformat(),
        "threat_level_id": "2",
        "analysis": "2",
        "distribution": "0",
        "published": True,
        "timestamp": at,
        "publish_timestamp": at,
        "Orgc": {
            "name": info.publisher,
            "uuid": str(uuid.uuid5(NAMESPACE, "org:" + info.site_url)),
        },
        "Tag": [{"name": "tlp:green"}],
    }
    yield '{"Event": ' + json.dumps(event, ensure_ascii=False)[:-1] + ', "Attribute": [\n'
    separator = ""
    for row in rows:
        yield separator + json.dumps(misp_attribute(row), ensure_ascii=False)
        separator = ",\n"
    yield "\n]}}\n"
