"""train_detector: retraining with verifier labels and imported corpora, keeping the previous
model when the new one is worse on the held-out part, and what a run records for the model card."""

import io
import random

import pytest
from django.core.management import call_command
from django.utils import timezone

from detection import classifier
from detection.classifier import is_holdout, load_seed
from detection.models import DetectorModel, LabelledMessage, text_key
from detection.services import label_message, train_detector

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_model():
    classifier.reset_model()
    yield
    classifier.reset_model()


def test_label_message_checks_its_input():
    with pytest.raises(ValueError):
        label_message(content="   ", label=1)
    with pytest.raises(ValueError):
        label_message(content="x" * 5001, label=1)
    message = label_message(content="  Vay tiền không cần thế chấp ", label=True, source="report:1")
    # Read back as stored, not the object label_message handed over: stripped, True as 1, and
    # keyed by the folded text that training deduplicates on.
    message = LabelledMessage.objects.get(pk=message.pk)
    assert message.label == 1 and message.source == "report:1"
    assert message.content == "Vay tiền không cần thế chấp"
    assert message.text_hash == text_key("vay tien khong can the chap")


def test_retraining_that_is_not_worse_is_accepted_and_becomes_active():
    outcome = train_detector(cv_folds=0)
    assert outcome.accepted  # the same data: the same score, so not worse
    record = DetectorModel.objects.get(active=True)
    assert record.blob and record.signature and record.f1 == pytest.approx(outcome.new.f1)
    assert isinstance(classifier.get_model(refresh=True), classifier.TrainedModel)


def test_verifier_labels_are_learned():
    texts = [
        f"Khach hang {name} duoc chon nhan goi Kimtuyen dac quyen, xac nhan trong hom nay."
        for name in ("Lan", "Minh", "Hoa", "Nam", "Tuan", "Mai", "Binh", "Thu", "Son", "Ha")
    ]
    for text in texts:
        label_message(content=text, label=1, scam_type="prize_fee")
    probe = "Ban duoc chon nhan goi Kimtuyen dac quyen."
    before = classifier.builtin_model().explain(probe).probability
    outcome = train_detector(force=True, cv_folds=0)
    assert outcome.labelled_count == sum(1 for t in texts if not is_holdout(t))
    after = classifier.get_model(refresh=True).explain(probe).probability
    assert after > before


def test_retraining_on_bad_labels_keeps_the_previous_model():
    good = train_detector(cv_folds=0)
    assert good.accepted
    active_before = DetectorModel.objects.get(active=True).pk
    # A careless or hostile labeller: hundreds of messages with labels at random.
    rng = random.Random(6)
    for number, example in enumerate(load_seed()):
        LabelledMessage.objects.create(
            content=f"Tin chuyển tiếp số {number}: {example.content}", label=rng.randint(0, 1)
        )
    bad = train_detector(cv_folds=0)
    assert not bad.accepted
    assert bad.new.f1 < bad.previous.f1
    assert DetectorModel.objects.get(active=True).pk == active_before
    rejected = DetectorModel.objects.exclude(pk=active_before).get()
    assert not rejected.accepted and not rejected.active and not rejected.blob
    assert "Giữ mô hình cũ" in bad.message


def test_force_and_dry_run():
    before = DetectorModel.objects.count()
    outcome = train_detector(dry_run=True, cv_folds=0)
    assert outcome.record is None and DetectorModel.objects.count() == before
    train_detector(force=True, cv_folds=0)
    assert DetectorModel.objects.filter(active=True).count() == 1


def test_command_prints_scores_and_a_result_line():
    out = io.StringIO()
    call_command("train_detector", "--cv", "2", stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert lines[-1].startswith("RESULT accepted=1 f1_new=")
    assert " cv_f1=" in lines[-1] and " seconds=" in lines[-1]
    assert any(line.startswith("new model:") for line in lines)
    assert any(line.startswith("2-fold cv:") for line in lines)
    assert any(line.strip().startswith("seed: train=") for line in lines)


def test_a_run_records_what_the_model_card_needs():
    first = train_detector(cv_folds=0).record
    assert first is not None
    assert first.replaced is None and first.cv_scores is None  # it replaced the built-in one
    seed = load_seed()
    assert first.sources == {
        "seed": {"train": first.train_count, "holdout": len(seed) - first.train_count}
    }
    assert first.seconds is not None and first.seconds > 0
    second = train_detector(force=True, cv_folds=3).record
    assert second is not None
    assert second.replaced == first and second.active
    first.refresh_from_db()
    assert not first.active
    cv = second.cv_scores
    assert cv is not None
    assert cv["folds"] == 3 and cv["count"] == second.train_count
    assert 0.5 < cv["f1"]["mean"] <= 1 and cv["f1"]["std"] >= 0
    rejected = DetectorModel.objects.create(accepted=False)
    assert DetectorModel.objects.get(active=True) == second != rejected


def test_imported_corpora_are_trained_on_with_their_sender_type_and_disputes_left_out():
    def imported(content: str, label: int, source: str, sender: str = "") -> LabelledMessage:
        return LabelledMessage.objects.create(
            content=content,
            label=label,
            source=source,
            sender_type=sender,
            text_hash=text_key(content),
            imported_at=timezone.now(),
        )

    agreed = [
        f"Goi cuoc Kimtuyen {n}: nap {n}0k nhan uu dai, soan KT{n} gui 9{n}99." for n in range(8)
    ]
    for text in agreed:
        imported(text, 0, "corpus_a", "shortcode")
    disputed = "Nhan ngay qua tang Kimtuyen khi dang ky tai kimtuyen.top hom nay."
    imported(disputed, 1, "corpus_a")
    imported(disputed, 0, "corpus_b")
    examples = classifier.load_labelled()
    assert {e.content for e in examples} == set(agreed)
    assert {(e.source, e.sender_type, e.label) for e in examples} == {("corpus_a", "shortcode", 0)}
    outcome = train_detector(cv_folds=0)
    assert outcome.excluded == 1 and outcome.record is not None
    assert outcome.record.excluded_count == 1
    counts = outcome.sources["corpus_a"]
    assert counts["train"] + counts["holdout"] == len(agreed)
    assert outcome.labelled_count == counts["train"]
    assert "corpus_b" not in outcome.sources
