"""Retrain the message classifier on the seed corpus and every labelled message (verifiers'
labels and imported corpora; texts whose labels disagree are left out).

The new model replaces the active one only when it scores at least as well (F1) on the held-out
part, which no model is ever trained on; otherwise the previous model stays in use. The run also
cross-validates the classifier on its training part (--cv K folds, 0 to skip) for the model card.
"""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from detection.services import CV_FOLDS, train_detector


class Command(BaseCommand):
    help = "Huấn luyện lại bộ phân loại tin nhắn; giữ mô hình cũ nếu mô hình mới kém hơn."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force", action="store_true", help="dùng mô hình mới kể cả khi nó kém hơn"
        )
        parser.add_argument("--dry-run", action="store_true", help="chỉ chấm điểm, không lưu")
        parser.add_argument(
            "--cv",
            type=int,
            default=CV_FOLDS,
            metavar="K",
            help=f"kiểm tra chéo K phần trên phần huấn luyện (mặc định {CV_FOLDS}; 0: bỏ qua)",
        )

    def handle(self, *args: object, force: bool, dry_run: bool, cv: int, **options: object) -> None:
        if cv == 1 or cv < 0:
            raise CommandError("--cv cần 0 (bỏ qua) hoặc từ 2 trở lên.")
        try:
            outcome = train_detector(force=force, dry_run=dry_run, cv_folds=cv)
        except ValueError as error:
            raise CommandError(str(error)) from error
        new, old = outcome.new, outcome.previous
        self.stdout.write(
            f"train={outcome.train_count} (labelled {outcome.labelled_count}) holdout={new.count}"
            f" excluded={outcome.excluded} (labels that disagree)"
        )
        for source, counts in outcome.sources.items():
            self.stdout.write(f"  {source}: train={counts['train']} holdout={counts['holdout']}")
        self.stdout.write(
            f"new model:      precision={new.precision:.3f} recall={new.recall:.3f} f1={new.f1:.3f}"
        )
        self.stdout.write(
            f"model in use:   precision={old.precision:.3f} recall={old.recall:.3f} f1={old.f1:.3f}"
        )
        cv_f1 = ""
        if outcome.cv:
            p, r, f = (outcome.cv[k] for k in ("precision", "recall", "f1"))
            self.stdout.write(
                f"{outcome.cv['folds']}-fold cv:    precision={p['mean']:.3f}±{p['std']:.3f} "
                f"recall={r['mean']:.3f}±{r['std']:.3f} f1={f['mean']:.3f}±{f['std']:.3f}"
            )
            cv_f1 = f" cv_f1={f['mean']:.4f}"
        self.stdout.write(outcome.message + (" (dry run: nothing saved)" if dry_run else ""))
        self.stdout.write(
            f"RESULT accepted={int(outcome.accepted)} f1_new={new.f1:.4f} "
            f"f1_previous={old.f1:.4f} holdout={new.count} train={outcome.train_count}"
            f"{cv_f1} seconds={outcome.seconds:.1f}"
        )
