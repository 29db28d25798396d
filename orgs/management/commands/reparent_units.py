"""manage.py reparent_units MAPPING.csv [--dry-run]: merge units by a mapping (old_code,new_code)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from orgs.reparent import MappingError, ReparentResult, reparent_units


class Command(BaseCommand):
    help = (
        "Chuyển mọi thứ của đơn vị cũ (tố giác, vụ việc, phân quyền, khoá học, khoá API...) sang "
        "đơn vị mới theo tệp CSV có cột old_code,new_code; đơn vị cũ được giữ lại làm lịch sử. "
        "Làm trong một giao dịch: tệp có lỗi thì không thay đổi gì."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("mapping", type=Path, help="Tệp CSV: old_code,new_code")
        parser.add_argument(
            "--dry-run", action="store_true", help="Chỉ in những gì sẽ chuyển, không thay đổi gì."
        )

    def handle(
        self, *args: object, mapping: Path, dry_run: bool, verbosity: int, **options: object
    ) -> None:
        try:
            text = mapping.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Không đọc được tệp {mapping}: {error}") from error
        try:
            result = reparent_units(text=text, dry_run=dry_run)
        except MappingError as error:
            raise CommandError(
                "Tệp bị từ chối, không có gì thay đổi:\n" + "\n".join(error.errors)
            ) from error
        self._report(result, verbosity=verbosity)

    def _report(self, result: ReparentResult, *, verbosity: int) -> None:
        out = self.stdout
        if verbosity >= 2:
            for merge in result.merges:
                out.write(
                    f"Dòng {merge.line}: {merge.old.code} ({merge.old.name}) → "
                    f"{merge.target.code} ({merge.target.name})"
                )
        if result.dry_run:
            out.write("Chạy thử: chưa thay đổi gì. Nếu chạy thật sẽ chuyển:")
        else:
            out.write("Đã chuyển:")
        for label, count in sorted(result.moved.items()):
            out.write(f"  {label}: {count}")
        for label, count in sorted(result.dropped.items()):
            out.write(f"  {label}: bỏ {count} dòng trùng với dòng đã có ở đơn vị mới")
        if not result.moved:
            out.write("  (không có gì)")
        for warning in result.widened:
            out.write("Lưu ý: " + warning)
        if result.already_done:
            out.write(f"{result.already_done} dòng đã được chuyển ở lần chạy trước, bỏ qua.")
