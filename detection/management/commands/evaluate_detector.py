"""Precision, recall, F1 and confusion matrices of the message analysis on a labelled CSV.

    manage.py evaluate_detector FILE.csv       columns content,label[,sender_type]: the model
                                               in use scores every row
    manage.py evaluate_detector FILE.csv --cv K
                                               K-fold cross-validation (default 5): each fold
                                               is scored by a detector trained on the seed
                                               corpus and the other folds only; near-identical
                                               messages stay in one fold (detection/folds.py)
    manage.py evaluate_detector --cv [K]       K-fold cross-validation on the seed corpus alone
    manage.py evaluate_detector FILE.csv --conflicts
                                               also list nearly identical messages that the file
                                               labels both ways

The whole analysis counts a message as scam when its risk is "high"; the figures for "medium or
high" (any warning) and for the classifier alone (P(scam) >= 0.5) follow. When the file has a
sender_type column, it is passed to the analysis as the sender hint (--no-sender to ignore it).
Nothing is listed in a fresh database, so this measures detection of what is not listed yet.
"""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from detection import classifier
from detection.evaluation import (
    Conflict,
    Confusion,
    DetectorReport,
    Labelled,
    cross_validate_file,
    evaluate_messages,
    label_conflicts,
    mean_std,
    pooled,
    read_messages,
)


class Command(BaseCommand):
    help = "Đo độ chính xác, độ phủ của phân tích tin nhắn trên một tệp CSV có nhãn."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", help="CSV: content,label[,sender_type]")
        parser.add_argument("--no-sender", action="store_true", help="bỏ qua cột sender_type")
        parser.add_argument(
            "--cv",
            type=int,
            nargs="?",
            const=5,
            default=None,
            metavar="K",
            help="kiểm tra chéo K phần (mặc định 5) trên tệp, hoặc trên kho tin mẫu khi không "
            "có tệp",
        )
        parser.add_argument("--errors", type=int, default=0, help="in N tin bị đoán sai")
        parser.add_argument(
            "--conflicts",
            action="store_true",
            help="liệt kê các cặp tin gần như giống hệt nhau nhưng mang nhãn ngược nhau",
        )

    def handle(
        self,
        *args: object,
        file: str | None,
        no_sender: bool,
        cv: int | None,
        errors: int,
        conflicts: bool,
        **options: object,
    ) -> None:
        if cv is not None and cv < 2:
            raise CommandError("--cv cần ít nhất 2 phần.")
        if cv and not file:
            self._cross_validate(cv)
            return
        if not file:
            raise CommandError("Cần tên tệp CSV (hoặc --cv).")
        rows = self._read(file)
        if cv:
            self._cross_validate_file(rows, cv, use_sender=not no_sender)
            return
        started = time.perf_counter()
        report = evaluate_messages(rows, use_sender=not no_sender)
        elapsed = time.perf_counter() - started
        found = label_conflicts(rows) if conflicts else None
        self._print(report, len(rows), elapsed, errors, rows, found)

    def _read(self, file: str) -> list[Labelled]:
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"Không thấy tệp {file}.")
        try:
            rows = read_messages(path)
        except ValueError as error:
            raise CommandError(str(error)) from error
        if len({row.label for row in rows}) < 2:
            raise CommandError("Tệp cần cả tin lừa đảo (nhãn 1) và tin bình thường (nhãn 0).")
        return rows

    def _cross_validate_file(self, rows: list[Labelled], k: int, *, use_sender: bool) -> None:
        write = self.stdout.write
        scams = sum(row.label for row in rows)
        write(f"{k}-fold cross-validation on {len(rows)} messages ({scams} scams), template-")
        write("grouped folds; each fold's detector is trained on the seed corpus + the other folds")
        started = time.perf_counter()
        folds = cross_validate_file(
            rows, k=k, seed=classifier.load_seed(), use_sender=use_sender, progress=write
        )
        write(f"{time.perf_counter() - started:.1f} s in all")
        for fold, scores in enumerate(folds, start=1):
            c = scores.combiner
            write(
                f"  fold {fold} combiner: bias={c.bias:.2f} classifier={c.classifier:.2f} "
                f"rules={c.rules:.2f} reassurances={c.reassurances:.2f} "
                f"z_high={c.z_high:.2f} z_medium={c.z_medium:.2f} (fitted on {c.fitted_on})"
            )
        means: dict[str, float] = {}
        for key, attr, title in (
            ("high", "high", "whole analysis (risk high = scam)"),
            ("medium", "warning", "whole analysis (medium or high = scam)"),
            ("classifier", "classifier", "classifier alone (P >= 0.5)"),
        ):
            confusions = [getattr(scores, attr) for scores in folds]
            write(title + ", over folds (mean ± std):")
            for metric in ("precision", "recall", "f1"):
                mean, std = mean_std([getattr(c, metric) for c in confusions])
                means[f"{key}_{metric}"] = mean
                write(f"  {metric:<9} {mean:.3f} ± {std:.3f}")
            for line in pooled(confusions).lines("  pooled"):
                write(line)
        write(
            "RESULT "
            + " ".join(f"{name}={value:.4f}" for name, value in means.items())
            + f" folds={k} messages={len(rows)}"
        )

    def _print(
        self,
        report: DetectorReport,
        count: int,
        elapsed: float,
        errors: int,
        rows: list[Labelled],
        found: list[Conflict] | None,
    ) -> None:
        write = self.stdout.write
        write(f"{count} messages, {report.analysis.tp + report.analysis.fn} scams")
        for line in report.analysis.lines("whole analysis (risk high = scam)"):
            write(line)
        for line in report.warning.lines("whole analysis (medium or high = scam)"):
            write(line)
        for line in report.classifier.lines("classifier alone (P >= 0.5)"):
            write(line)
        write(f"{1000 * elapsed / max(count, 1):.2f} ms per message")
        for number, row, risk, z in report.errors[:errors]:
            write(f"  #{number} label={row.label} risk={risk} z={z:.2f} {row.content[:100]!r}")
        extra = ""
        if found is not None:
            write(f"{len(found)} scam rows have a nearly identical row labelled ordinary:")
            for conflict in found:
                write(
                    f"  scam #{conflict.scam} ~ ordinary #{conflict.ordinary} "
                    f"(similarity {conflict.similarity:.2f}) {rows[conflict.scam].content[:80]!r}"
                )
            extra = f" label_conflicts={len(found)}"
        a, c = report.analysis, report.classifier
        write(
            f"RESULT precision={a.precision:.4f} recall={a.recall:.4f} f1={a.f1:.4f} "
            f"classifier_precision={c.precision:.4f} classifier_recall={c.recall:.4f} "
            f"classifier_f1={c.f1:.4f} messages={count}{extra}"
        )

    def _cross_validate(self, k: int) -> None:
        from sklearn.model_selection import StratifiedKFold

        from detection.analysis import analyse_message
        from indicators.matcher import MatcherIndex

        examples = classifier.load_seed()
        labels = [e.label for e in examples]
        folds = StratifiedKFold(k, shuffle=True, random_state=0)
        scored: list[tuple[int, float, float]] = []
        empty = MatcherIndex([])
        for train, test in folds.split(examples, labels):
            model = classifier.fit([examples[i] for i in train])
            for i in test:
                analysis = analyse_message(examples[i].content, matcher=empty, model=model)
                scored.append((labels[i], analysis.z, analysis.probability))
        self.stdout.write(
            f"{k}-fold cross-validation on the seed corpus ({len(examples)} messages)"
        )
        self.stdout.write("threshold on z  precision  recall  f1     (z: log-odds of the analysis)")
        best = None
        for step in range(-4, 13):
            threshold = step / 4
            confusion = Confusion()
            for label, z, _ in scored:
                confusion.add(label == 1, z >= threshold)
            self.stdout.write(
                f"  {threshold:>6.2f}        {confusion.precision:.3f}      "
                f"{confusion.recall:.3f}   {confusion.f1:.3f}"
            )
            if best is None or confusion.f1 > best[1].f1:
                best = (threshold, confusion)
        clf = Confusion()
        for label, _, p in scored:
            clf.add(label == 1, p >= 0.5)
        for line in clf.lines("classifier alone (P >= 0.5)"):
            self.stdout.write(line)
        assert best is not None
        self.stdout.write(
            f"RESULT best_threshold={best[0]:.2f} f1={best[1].f1:.4f} "
            f"classifier_f1={clf.f1:.4f} messages={len(examples)}"
        )
