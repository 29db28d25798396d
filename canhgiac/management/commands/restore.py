from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from canhgiac.backups import BackupError, restore_backup


class Command(BaseCommand):
    help = (
        "Khôi phục một bản sao lưu (manage.py backup) vào CSDL đang cấu hình và thư mục tệp tải "
        "lên. CSDL đích phải trống (mới tạo), trừ khi có --force. Dừng máy chủ trước khi khôi "
        "phục; sau đó chạy manage.py migrate."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", help="tệp .tar.gz do manage.py backup tạo")
        parser.add_argument(
            "--force", action="store_true", help="ghi đè CSDL đích dù đã có dữ liệu"
        )

    def handle(self, *args: object, archive: str, force: bool = False, **options: object) -> None:
        path = Path(archive)
        if not path.is_file():
            raise CommandError(f"Không có tệp {path}.")
        try:
            result = restore_backup(path, force=force)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Đã khôi phục CSDL {result.engine}: {result.reports} tố giác, "
            f"{result.evidence} tệp bằng chứng."
        )
        if result.missing_files:
            raise CommandError(
                f"Thiếu {len(result.missing_files)} tệp bằng chứng: "
                + ", ".join(result.missing_files[:10])
            )
