"""The classifier: its fast scoring path, explanations, signed storage and the model in use."""

import numpy as np
import pytest

from detection import classifier
from detection.classifier import builtin_model, dump, get_model, load, load_seed, split
from detection.models import DetectorModel


def test_fast_scoring_matches_scikit_learn():
    model = builtin_model()
    _, holdout = split(load_seed())
    texts = [e.content for e in holdout[:40]]
    slow = model.probabilities(texts)
    fast = np.array([model.explain(t).probability for t in texts])
    assert np.allclose(slow, fast, atol=1e-9)


def test_builtin_model_separates_the_held_out_seed_messages():
    scores = classifier.score(builtin_model(), split(load_seed())[1])
    assert scores.f1 >= 0.85


def test_explanation_quotes_phrases_as_written_in_the_message():
    text = "Chúc mừng bạn trúng thưởng xe SH, vui lòng nộp phí vận chuyển để nhận giải."
    explanation = builtin_model().explain(text)
    assert explanation.probability > 0.5
    assert explanation.phrases
    for phrase in explanation.phrases:
        assert phrase.text in text  # with its diacritics, not the folded form
        assert phrase.weight > 0


def test_signed_model_round_trips_and_a_tampered_one_is_refused():
    blob, signature = dump(builtin_model())
    assert isinstance(load(blob, signature), classifier.TrainedModel)
    tampered = blob[:-1] + bytes([blob[-1] ^ 1])
    with pytest.raises(ValueError):
        load(tampered, signature)
    with pytest.raises(ValueError):
        load(blob, "")


@pytest.mark.django_db
def test_get_model_uses_the_active_database_model_and_falls_back_when_unreadable():
    classifier.reset_model()
    assert get_model() is builtin_model()
    model = classifier.fit(split(load_seed())[0][::3])
    blob, signature = dump(model)
    DetectorModel.objects.create(blob=blob, signature=signature, active=True, accepted=True)
    loaded = get_model(refresh=True)
    assert loaded is not builtin_model()
    text = "Vay tiền nhanh không cần thế chấp, giải ngân trong 5 phút."
    assert loaded.explain(text).probability == pytest.approx(model.explain(text).probability)
    DetectorModel.objects.update(signature="0" * 64)
    classifier.reset_model()
    assert get_model() is builtin_model()
    classifier.reset_model()
