"""Writes of the detection app: labelled messages, and retraining the classifier.

Read-only analysis lives in analysis.py: analyse_message(text) for one message, and
score_case_text(texts=...) for ordering the verifiers' queue.
"""

from __future__ import annotations

import statistics
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal, TypedDict

from django.db import transaction

from . import calibration, classifier
from .folds import grouped_folds
from .models import (
    MAX_CONTENT,
    DetectorModel,
    LabelledMessage,
    SenderType,
    select_training_texts,
    text_key,
)

if TYPE_CHECKING:
    from orgs.models import User

CV_FOLDS = 5


class SourceCounts(TypedDict):
    """How many texts of one source were trained on and held out (DetectorModel.sources)."""

    train: int
    holdout: int


class MeanStd(TypedDict):
    mean: float
    std: float


class CvScores(TypedDict):
    """Cross-validation of the classifier alone, as DetectorModel.cv_scores stores it."""

    folds: int
    count: int
    by: Literal["train_detector"]
    precision: MeanStd
    recall: MeanStd
    f1: MeanStd


def label_message(
    *,
    content: str,
    label: int | bool,
    labelled_by: User | None = None,
    scam_type: str = "",
    source: str = "",
    sender_type: str = "",
) -> LabelledMessage:
    """Record a verifier's judgement of a message (1 scam, 0 ordinary) for the next training.
    reports calls this when a verifier closes a case with the message text as evidence. A
    verifier's label of a text wins over imported labels of the same (folded) text."""
    content = (content or "").strip()
    if not content:
        raise ValueError("Tin nhắn trống.")
    if len(content) > MAX_CONTENT:
        raise ValueError(f"Tin nhắn quá dài (tối đa {MAX_CONTENT} ký tự).")
    return LabelledMessage.objects.create(
        content=content,
        label=int(bool(label)),
        labelled_by=labelled_by,
        scam_type=scam_type[:40],
        source=source[:100],
        sender_type=sender_type if sender_type in SenderType.values else "",
        text_hash=text_key(content),
    )


@dataclass(frozen=True)
class TrainingOutcome:
    accepted: bool
    new: classifier.Scores
    previous: classifier.Scores
    train_count: int
    labelled_count: int
    record: DetectorModel | None
    sources: dict[str, SourceCounts] = field(default_factory=dict)
    excluded: int = 0  # labelled texts left out: labels that disagree
    cv: CvScores | None = None
    seconds: float = 0.0

    @property
    def message(self) -> str:
        if self.accepted:
            return (
                f"Đã dùng mô hình mới: F1 {self.new.f1:.3f} trên {self.new.count} tin kiểm tra "
                f"(mô hình trước: {self.previous.f1:.3f})."
            )
        return (
            f"Giữ mô hình cũ: mô hình mới kém hơn trên {self.new.count} tin kiểm tra "
            f"(F1 {self.new.f1:.3f} so với {self.previous.f1:.3f})."
        )


def count_sources(
    train: list[classifier.Example], holdout: list[classifier.Example]
) -> dict[str, SourceCounts]:
    """{source: {"train": n, "holdout": m}} for the model card."""
    trained = Counter(e.source for e in train)
    held = Counter(e.source for e in holdout)
    return {
        source: {"train": trained[source], "holdout": held[source]}
        for source in sorted(trained.keys() | held.keys())
    }


def cross_validate(examples: list[classifier.Example], *, folds: int = CV_FOLDS) -> CvScores | None:
    """Classifier-alone precision, recall and F1 (P >= 0.5) over `folds` folds of `examples`,
    as mean and spread. Messages of one template (folds.grouped_folds) stay in one fold, so a
    fold is not scored on copies of what its model saw. None when there are too few texts."""
    labels = [e.label for e in examples]
    if folds < 2 or min(labels.count(0), labels.count(1)) < folds:
        return None
    runs: list[classifier.Scores] = []
    for fold in grouped_folds([e.content for e in examples], labels, k=folds):
        inside = set(fold)
        model = classifier.fit([e for i, e in enumerate(examples) if i not in inside])
        runs.append(classifier.score(model, [examples[i] for i in fold]))

    def spread(values: list[float]) -> MeanStd:
        return {"mean": statistics.fmean(values), "std": statistics.pstdev(values)}

    return {
        "folds": folds,
        "count": len(examples),
        "by": "train_detector",
        "precision": spread([run.precision for run in runs]),
        "recall": spread([run.recall for run in runs]),
        "f1": spread([run.f1 for run in runs]),
    }


def train_detector(
    *, force: bool = False, dry_run: bool = False, cv_folds: int = CV_FOLDS
) -> TrainingOutcome:
    """Train on the seed corpus and every labelled text that is not disputed (training part
    only), score the new model and the one in use on the held-out part, and make the new one
    active unless it is worse (or force). Also cross-validates on the training part (cv_folds
    0: not) for the model card. dry_run writes nothing."""
    started = time.perf_counter()
    selection = select_training_texts()
    train, holdout = classifier.split(classifier.load_seed() + classifier.load_labelled(selection))
    if len({e.label for e in train}) < 2:
        raise ValueError("Cần cả tin lừa đảo và tin bình thường để huấn luyện.")
    new_model = calibration.fit_detector(train)  # with its risk levels (calibration.py)
    new_scores = classifier.score(new_model, holdout)
    previous_model = classifier.get_model(refresh=True)
    previous_scores = classifier.score(previous_model, holdout)
    accepted = force or new_scores.f1 >= previous_scores.f1
    cv = cross_validate(train, folds=cv_folds)
    outcome = TrainingOutcome(
        accepted=accepted,
        new=new_scores,
        previous=previous_scores,
        train_count=len(train),
        labelled_count=sum(1 for e in train if e.source != "seed"),
        record=None,
        sources=count_sources(train, holdout),
        excluded=selection.conflicts,
        cv=cv,
        seconds=time.perf_counter() - started,
    )
    if dry_run:
        return outcome
    record = _save_run(outcome, new_model, force=force)
    transaction.on_commit(classifier.reset_model)
    return replace(outcome, record=record)


def _save_run(
    outcome: TrainingOutcome, model: classifier.TrainedModel, *, force: bool
) -> DetectorModel:
    new, previous = outcome.new, outcome.previous
    with transaction.atomic():
        replaced = DetectorModel.objects.select_for_update().filter(active=True).first()
        record = DetectorModel(
            accepted=outcome.accepted,
            train_count=outcome.train_count,
            labelled_count=outcome.labelled_count,
            holdout_count=new.count,
            f1=new.f1,
            precision=new.precision,
            recall=new.recall,
            previous_f1=previous.f1,
            sources=outcome.sources,
            excluded_count=outcome.excluded,
            cv_scores=outcome.cv,
            seconds=round(outcome.seconds, 2),
            note="force" if force and new.f1 < previous.f1 else "",
        )
        if outcome.accepted:
            record.blob, record.signature = classifier.dump(model)
            DetectorModel.objects.filter(active=True).update(active=False)
            record.active = True
            record.replaced = replaced
        record.save()
    return record
