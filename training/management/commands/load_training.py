"""Load lessons, questions and quizzes from training/content (safe to run again)."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from training.content import CONTENT_DIR, ContentError, load_content


class Command(BaseCommand):
    help = "Nạp bài học, ngân hàng câu hỏi và bài kiểm tra từ training/content (chạy lại không tạo trùng)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--path", default=str(CONTENT_DIR), help="thư mục nội dung")
        parser.add_argument(
            "--force",
            action="store_true",
            help="ghi đè cả những bài đã được sửa trong trang quản trị",
        )

    def handle(self, *args: str, **options: Any) -> None:
        try:
            report = load_content(Path(options["path"]), force=options["force"])
        except ContentError as exc:
            raise CommandError(str(exc)) from exc
        names = {"lesson": "Bài học", "question": "Câu hỏi", "quiz": "Bài kiểm tra"}
        for key, name in names.items():
            self.stdout.write(
                f"{name}: thêm {report.created[key]}, cập nhật {report.updated[key]}, "
                f"giữ nguyên {report.unchanged[key]}."
            )
        if report.kept_edits:
            self.stdout.write(
                "Giữ bản đã sửa trong trang quản trị (dùng --force để ghi đè): "
                + ", ".join(report.kept_edits)
            )
