"""Import a labelled corpus for the message classifier.

    manage.py import_labelled_messages FILE.csv --source NAME [--dry-run] [--by PERSON]

FILE.csv: UTF-8, a header row content,label[,sender_type]; label 1 = scam, 0 = ordinary;
sender_type brandname, shortcode, personal_number, unknown or empty. A file with any bad row
imports nothing (the bad rows are listed by line number). The next `manage.py train_detector`
learns from what was imported. See detection/importing.py for how duplicates and texts labelled
both ways are handled.
"""

import getpass
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from detection.importing import ImportReport, import_labelled_file

SHOWN = 50  # problems listed of each kind; the rest are counted


class Command(BaseCommand):
    help = "Nhập một kho tin nhắn có nhãn (CSV content,label[,sender_type]) để huấn luyện."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="CSV: content,label[,sender_type]")
        parser.add_argument("--source", required=True, help="tên nguồn, ví dụ vi_sms_2025")
        parser.add_argument("--dry-run", action="store_true", help="chỉ kiểm tra, không lưu")
        parser.add_argument(
            "--by", default="", help="người nhập (mặc định: tài khoản hệ điều hành)"
        )

    def handle(
        self, *args: object, file: str, source: str, dry_run: bool, by: str, **options: object
    ) -> None:
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("Không thấy tệp %(file)s.") % {"file": file})
        imported_by = f"import_labelled_messages ({by or _os_user()})"
        try:
            report = import_labelled_file(
                path=path,
                source=source,
                imported_by=imported_by,
                dry_run=dry_run,
                progress=self._progress,
            )
        except ValueError as error:
            raise CommandError(str(error)) from error
        self._print(report)
        if not report.ok:
            raise CommandError(
                _("Tệp có %(count)d dòng lỗi: không nhập dòng nào. Hãy sửa rồi nhập lại.")
                % {"count": len(report.errors)}
            )

    def _progress(self, message: str) -> None:
        self.stderr.write(f"… {message}")

    def _print(self, report: ImportReport) -> None:
        write = self.stdout.write
        for title, problems in (
            (_("Dòng lỗi"), report.errors),
            (_("Nhãn mâu thuẫn (không dùng để huấn luyện)"), report.conflicts),
            (_("Nhãn của cán bộ xác minh được ưu tiên"), report.overruled),
        ):
            if problems:
                write(f"{title}: {len(problems)}")
                for problem in problems[:SHOWN]:
                    write(f"  {problem}")
                if len(problems) > SHOWN:
                    write("  … " + _("và %(count)d dòng khác") % {"count": len(problems) - SHOWN})
        if report.ok:
            summary = _(
                "%(added)d tin từ %(file)s vào nguồn “%(source)s” (%(rows)d dòng; "
                "%(duplicates)d dòng trùng trong tệp; %(present)d tin đã có từ trước)."
            ) % {
                "added": report.added,
                "file": report.file_name,
                "source": report.source,
                "rows": report.rows,
                "duplicates": report.duplicates,
                "present": report.present,
            }
            if report.dry_run:
                write(_("Chạy thử, chưa lưu gì. Sẽ nhập %(summary)s") % {"summary": summary})
            else:
                write(_("Đã nhập %(summary)s") % {"summary": summary})
        write(
            f"RESULT rows={report.rows} added={report.added} duplicates={report.duplicates} "
            f"present={report.present} conflicts={len(report.conflicts)} "
            f"overruled={len(report.overruled)} errors={len(report.errors)} "
            f"dry_run={int(report.dry_run)}"
        )


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "?"
