"""Recall of the look-alike scorer on lists of bad names, false-positive rate on good ones.

    manage.py evaluate_lookalikes --bad typed-blacklist-2021.json --good tranco_top_50k.csv

A name counts as flagged from score 0.5 ("suspicious"). Bad lists: a typed JSON list ({url,
type}; --types picks the types, phishing and impersonate_fake by default), a CSV (rank,domain or
a domain/url column) or a text file (one name or URL a line). Entries that are profiles on
allowlisted platforms (facebook.com/...) are listings, not look-alikes, and are skipped. Recall is
also given for the bank and agency impersonation entries: those whose host names a bank or
e-wallet of indicators/data/banks.json, says "bank", or names a state agency (the selection does
not use the scorer).
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from detection.evaluation import LookalikeReport, evaluate_bad, evaluate_good, read_entries


class Command(BaseCommand):
    help = "Đo độ phủ của chấm điểm tên miền giả mạo và tỷ lệ báo nhầm trên tên miền phổ biến."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bad", action="append", default=[], help="tệp tên miền xấu")
        parser.add_argument("--good", action="append", default=[], help="tệp tên miền tốt")
        parser.add_argument(
            "--types",
            default="phishing,impersonate_fake",
            help="các loại lấy từ tệp JSON có phân loại (mặc định phishing,impersonate_fake)",
        )
        parser.add_argument("--show", type=int, default=10, help="in N tên bỏ sót, N báo nhầm")

    def handle(
        self,
        *args: object,
        bad: list[str],
        good: list[str],
        types: str,
        show: int,
        **options: object,
    ) -> None:
        if not bad and not good:
            raise CommandError("Cần ít nhất một tệp --bad hoặc --good.")
        wanted = {t.strip() for t in types.split(",") if t.strip()}
        report = LookalikeReport()
        try:
            for name in bad:
                evaluate_bad(read_entries(self._path(name), types=wanted), report)
            for name in good:
                evaluate_good(read_entries(self._path(name)), report)
        except ValueError as error:
            raise CommandError(str(error)) from error
        write = self.stdout.write
        if bad:
            write(
                f"bad: {report.bad} names ({report.skipped} platform profiles skipped), "
                f"flagged {report.bad_flagged}: recall={report.recall:.3f}"
            )
            write(
                f"bank and agency impersonation: {report.subset} names, flagged "
                f"{report.subset_flagged}: recall={report.subset_recall:.3f}"
            )
            for value in report.misses[:show]:
                write(f"  missed: {value}")
        if good:
            write(
                f"good: {report.good} names, flagged {report.good_flagged}: "
                f"false-positive rate={report.fp_rate:.4%}"
            )
            for value, score, reason in report.false_positives[:show]:
                write(f"  flagged: {value} ({score:.2f}) {reason}")
        write(
            f"RESULT recall={report.recall:.4f} bank_agency_recall={report.subset_recall:.4f} "
            f"fp_rate={report.fp_rate:.5f} bad={report.bad} bank_agency={report.subset} "
            f"good={report.good}"
        )

    @staticmethod
    def _path(name: str) -> Path:
        path = Path(name)
        if not path.is_file():
            raise CommandError(f"Không thấy tệp {name}.")
        return path
