"""train_detector: retraining with verifier labels, and keeping the previous model when the new
one is worse on the held-out part."""

import io
import random

import pytest
from django.core.management import call_command

from detection import classifier
from detection.classifier import is_holdout, load_seed
from detection.models import DetectorModel, LabelledMessage
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
    message = label_message(content="Vay tiền không cần thế chấp", label=True, source="report:1")
    assert message.label == 1 and message.source == "report:1"


def test_retraining_that_is_not_worse_is_accepted_and_becomes_active():
    outcome = train_detector()
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
    outcome = train_detector(force=True)
    assert outcome.labelled_count == sum(1 for t in texts if not is_holdout(t))
    after = classifier.get_model(refresh=True).explain(probe).probability
    assert after > before


def test_retraining_on_bad_labels_keeps_the_previous_model():
    good = train_detector()
    assert good.accepted
    active_before = DetectorModel.objects.get(active=True).pk
    # A careless or hostile labeller: hundreds of messages with labels at random.
    rng = random.Random(6)
    for number, example in enumerate(load_seed()):
        LabelledMessage.objects.create(
            content=f"Tin chuyển tiếp số {number}: {example.content}", label=rng.randint(0, 1)
        )
    bad = train_detector()
    assert not bad.accepted
    assert bad.new.f1 < bad.previous.f1
    assert DetectorModel.objects.get(active=True).pk == active_before
    rejected = DetectorModel.objects.exclude(pk=active_before).get()
    assert not rejected.accepted and not rejected.active and not rejected.blob
    assert "Giữ mô hình cũ" in bad.message


def test_force_and_dry_run():
    before = DetectorModel.objects.count()
    outcome = train_detector(dry_run=True)
    assert outcome.record is None and DetectorModel.objects.count() == before
    train_detector(force=True)
    assert DetectorModel.objects.filter(active=True).count() == 1


def test_command_prints_scores_and_a_result_line():
    out = io.StringIO()
    call_command("train_detector", stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert lines[-1].startswith("RESULT accepted=1 f1_new=")
    assert any(line.startswith("new model:") for line in lines)
