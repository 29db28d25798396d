"""How single checks answer popular sites and bank or agency impersonation, through the API's code.

    manage.py evaluate_checks --good tranco_top_50k.csv --bad typed-blacklist-2021.json

Each name goes through lookup.verdicts.check_value, as GET /api/lookup/check does, against the
list of this database (its in-memory matcher), and what is counted is the check's four-way
`verdict`: the share of --good names answered "suspicious" (target at most 0.5%, the worst
listed with their reasons), and over the bank and agency impersonation entries of --bad (the
selection of evaluate_lookalikes: detection.evaluation.is_bank_or_agency, types phishing and
impersonate_fake) the share answered "suspicious", and "suspicious" or "listed" (target at least
90%; "listed" counts only what this database lists). The last line is

    RESULT tranco_suspicious_pct=… bank_agency_flagged_pct=… good=… bank_agency=…
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from detection.evaluation import is_bank_or_agency, read_entries
from detection.lookalike import score_domain
from indicators.matcher import MatcherIndex, get_matcher
from indicators.urlcanon import canonical_parts
from lookup.verdicts import INVALID, Check, check_value

TYPES = "phishing,impersonate_fake"


@dataclass
class Tally:
    total: int = 0
    suspicious: int = 0
    listed: int = 0
    invalid: int = 0
    flagged: list[tuple[float, str, str]] = field(default_factory=list)  # score, value, reasons
    missed: list[str] = field(default_factory=list)

    def pct(self, count: int) -> float:
        return 100 * count / self.total if self.total else 0.0


def _count(check: Check, tally: Tally) -> str:
    tally.total += 1
    if check.status == INVALID:
        tally.invalid += 1
        return INVALID
    verdict = check.verdict
    if verdict == "suspicious":
        tally.suspicious += 1
        found = check.lookalike
        score = found.score if found else 0.0
        reasons = " | ".join(found.reasons) if found else ""
        tally.flagged.append((score, check.value or check.raw, reasons))
    elif verdict == "listed":
        tally.listed += 1
    return verdict


def evaluate_good(path: Path, index: MatcherIndex) -> Tally:
    tally = Tally()
    for entry in read_entries(path):
        _count(check_value(entry.value, index=index), tally)
    tally.flagged.sort(key=lambda item: -item[0])
    return tally


def evaluate_bad(path: Path, index: MatcherIndex, *, types: set[str]) -> Tally:
    """The bank and agency impersonation entries, as evaluate_lookalikes selects them."""
    tally = Tally()
    for entry in read_entries(path, types=types):
        scored = score_domain(entry.value)
        if scored.official and not scored.findings:
            continue  # a profile on a shared platform: a listing, not a look-alike
        if not is_bank_or_agency(canonical_parts(entry.value).host):
            continue
        verdict = _count(check_value(entry.value, index=index), tally)
        if verdict not in ("suspicious", "listed"):
            tally.missed.append(f"{entry.value} ({verdict})")
    return tally


class Command(BaseCommand):
    help = (
        "Đo câu trả lời của tra cứu đơn lẻ (cùng mã với API) trên tên miền phổ biến và trên các "
        "trang giả mạo ngân hàng, cơ quan nhà nước."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--good", required=True, help="tệp tên miền phổ biến (rank,domain)")
        parser.add_argument("--bad", required=True, help="danh sách đen có phân loại (JSON)")
        parser.add_argument("--types", default=TYPES, help=f"các loại lấy từ --bad ({TYPES})")
        parser.add_argument("--show", type=int, default=30, help="in N báo nhầm, N bỏ sót")

    def handle(
        self, *args: str, good: str, bad: str, types: str, show: int, **options: object
    ) -> None:
        index = get_matcher()
        wanted = {t.strip() for t in types.split(",") if t.strip()}
        try:
            popular = evaluate_good(self._path(good), index)
            impersonation = evaluate_bad(self._path(bad), index, types=wanted)
        except ValueError as error:
            raise CommandError(str(error)) from error
        self._print(popular, impersonation, listed=len(index), show=show)

    def _print(self, popular: Tally, impersonation: Tally, *, listed: int, show: int) -> None:
        write = self.stdout.write
        write(f"list: {listed:,} listed values in this database")
        write(
            f"good: {popular.total:,} names, {popular.suspicious} answered suspicious "
            f"({popular.pct(popular.suspicious):.3f}%, target <= 0.5%), {popular.listed} listed, "
            f"{popular.invalid} invalid"
        )
        for score, value, reasons in popular.flagged[:show]:
            write(f"  suspicious: {value} ({score:.2f}) {reasons}")
        flagged = impersonation.suspicious + impersonation.listed
        write(
            f"bank and agency impersonation: {impersonation.total} entries, "
            f"{impersonation.suspicious} suspicious ({impersonation.pct(impersonation.suspicious):.1f}%), "
            f"{impersonation.listed} listed; suspicious or listed "
            f"{impersonation.pct(flagged):.1f}% (target >= 90%)"
        )
        for value in impersonation.missed[:show]:
            write(f"  missed: {value}")
        write(
            f"RESULT tranco_suspicious_pct={popular.pct(popular.suspicious):.3f} "
            f"bank_agency_flagged_pct={impersonation.pct(flagged):.1f} "
            f"bank_agency_suspicious_pct={impersonation.pct(impersonation.suspicious):.1f} "
            f"good={popular.total} bank_agency={impersonation.total}"
        )

    @staticmethod
    def _path(name: str) -> Path:
        path = Path(name)
        if not path.is_file():
            raise CommandError(f"Không thấy tệp {name}.")
        return path
