"""Writes of the detection app: labelled messages, and retraining the classifier.

Read-only analysis lives in analysis.py: analyse_message(text) for one message, and
score_case_text(texts=...) for ordering the verifiers' queue.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from . import classifier
from .models import MAX_CONTENT, DetectorModel, LabelledMessage


def label_message(
    *,
    content: str,
    label: int | bool,
    labelled_by=None,
    scam_type: str = "",
    source: str = "",
) -> LabelledMessage:
    """Record a verifier's judgement of a message (1 scam, 0 ordinary) for the next training.
    reports calls this when a verifier closes a case with the message text as evidence."""
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
    )


@dataclass(frozen=True)
class TrainingOutcome:
    accepted: bool
    new: classifier.Scores
    previous: classifier.Scores
    train_count: int
    labelled_count: int
    record: DetectorModel | None

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


def train_detector(*, force: bool = False, dry_run: bool = False) -> TrainingOutcome:
    """Train on the seed corpus and every labelled message (training part only), score the new
    model and the one in use on the held-out part, and make the new one active unless it is
    worse (or force). dry_run writes nothing."""
    seed = classifier.load_seed()
    labelled = classifier.load_labelled()
    train, holdout = classifier.split(seed + labelled)
    if len({e.label for e in train}) < 2:
        raise ValueError("Cần cả tin lừa đảo và tin bình thường để huấn luyện.")
    new_model = classifier.fit(train)
    new_scores = classifier.score(new_model, holdout)
    previous_model = classifier.get_model(refresh=True)
    previous_scores = classifier.score(previous_model, holdout)
    accepted = force or new_scores.f1 >= previous_scores.f1
    labelled_train = sum(1 for e in train if e.source != "seed")
    outcome = TrainingOutcome(
        accepted, new_scores, previous_scores, len(train), labelled_train, None
    )
    if dry_run:
        return outcome
    with transaction.atomic():
        record = DetectorModel(
            accepted=accepted,
            train_count=len(train),
            labelled_count=labelled_train,
            holdout_count=new_scores.count,
            f1=new_scores.f1,
            precision=new_scores.precision,
            recall=new_scores.recall,
            previous_f1=previous_scores.f1,
            note="force" if force and new_scores.f1 < previous_scores.f1 else "",
        )
        if accepted:
            record.blob, record.signature = classifier.dump(new_model)
            DetectorModel.objects.filter(active=True).update(active=False)
            record.active = True
        record.save()
    transaction.on_commit(classifier.reset_model)
    return TrainingOutcome(
        accepted, new_scores, previous_scores, len(train), labelled_train, record
    )
