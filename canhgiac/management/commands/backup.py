from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from canhgiac.backups import BackupError, create_backup


class Command(BaseCommand):
    help = (
        "Sao lưu CSDL (SQLite: sao lưu trực tuyến; PostgreSQL: pg_dump) và các tệp tải lên "
        "(bằng chứng) vào một tệp .tar.gz. Chạy được khi trang đang phục vụ."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output",
            help="tệp sao lưu (mặc định: backups/canhgiac-NĂMTHÁNGNGÀY-GIỜPHÚT.tar.gz trong "
            "thư mục dữ liệu)",
        )

    def handle(self, *args: object, output: str | None = None, **options: object) -> None:
        from django.conf import settings

        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        path = Path(output or Path(settings.VAR_DIR) / "backups" / f"canhgiac-{stamp}.tar.gz")
        try:
            manifest = create_backup(path)
        except BackupError as error:
            raise CommandError(str(error)) from error
        counts = manifest["counts"]
        self.stdout.write(
            f"Đã sao lưu vào {path}: CSDL {manifest['engine']}, {counts['reports']} tố giác, "
            f"{counts['evidence']} tệp bằng chứng."
        )
