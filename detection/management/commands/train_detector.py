"""Retrain the message classifier on the seed corpus and the verifier-labelled messages.

The new model replaces the active one only when it scores at least as well (F1) on the held-out
part, which no model is ever trained on; otherwise the previous model stays in use.
"""

from django.core.management.base import BaseCommand, CommandError

from detection.services import train_detector


class Command(BaseCommand):
    help = "Huấn luyện lại bộ phân loại tin nhắn; giữ mô hình cũ nếu mô hình mới kém hơn."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="dùng mô hình mới kể cả khi nó kém hơn"
        )
        parser.add_argument("--dry-run", action="store_true", help="chỉ chấm điểm, không lưu")

    def handle(self, *args, force: bool, dry_run: bool, **options):
        try:
            outcome = train_detector(force=force, dry_run=dry_run)
        except ValueError as error:
            raise CommandError(str(error)) from error
        new, old = outcome.new, outcome.previous
        self.stdout.write(
            f"train={outcome.train_count} (labelled {outcome.labelled_count}) holdout={new.count}"
        )
        self.stdout.write(
            f"new model:      precision={new.precision:.3f} recall={new.recall:.3f} f1={new.f1:.3f}"
        )
        self.stdout.write(
            f"model in use:   precision={old.precision:.3f} recall={old.recall:.3f} f1={old.f1:.3f}"
        )
        self.stdout.write(outcome.message + (" (dry run: nothing saved)" if dry_run else ""))
        self.stdout.write(
            f"RESULT accepted={int(outcome.accepted)} f1_new={new.f1:.4f} "
            f"f1_previous={old.f1:.4f} holdout={new.count} train={outcome.train_count}"
        )
