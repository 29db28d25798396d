"""Cross-validation on a labelled file: template-grouped folds, a detector per fold trained
without its fold, thresholds chosen on the training part, and the evaluate_detector output."""

import csv
import io
import random

import pytest
from django.core.management import call_command

from detection import calibration, classifier
from detection.analysis import Evidence
from detection.classifier import Combiner, Example
from detection.evaluation import Labelled, cross_validate_file
from detection.folds import grouped_folds, template_groups, template_key
from indicators.matcher import MatcherIndex

pytestmark = pytest.mark.django_db


def test_template_key_folds_numbers_links_and_punctuation():
    one = "Ma OTP 123456 cho GD 2.000.000d tai https://a.vn/x. LH 0912 345 678"
    two = "Mã OTP 654321 cho GD 15.500.000đ tại http://b.com.vn/y, LH 0987654321!"
    assert template_key(one) == template_key(two)
    assert template_key(one) != template_key("Ma OTP cua ban la 123456")


def test_near_duplicates_share_a_group_and_different_messages_do_not():
    texts = [
        "Chao anh Nguyen Van Minh, khoan vay cua anh da qua han, hay thanh toan ngay hom nay "
        "keo khong ho so se chuyen sang phong phap che",
        "Chao anh Tran Quoc Bao, khoan vay cua anh da qua han, hay thanh toan ngay hom nay "
        "keo khong ho so se chuyen sang phong phap che",
        "Me oi toi nay con ve an com nhe, nho nau canh chua",
    ]
    groups = template_groups(texts)
    assert groups[0] == groups[1] != groups[2]


def test_grouped_folds_never_split_a_template_and_cover_every_row():
    texts = [f"Ban da nhan {n}.000d tu tai khoan {n * 7}" for n in range(6)]
    texts += [f"Hom nay {n} gio hop o phong {n} nhe, chuan bi tai lieu so {n}" for n in range(6)]
    texts += [f"Tin rieng so {w}" for w in ("mot", "hai", "ba", "bon", "nam", "sau")]
    labels = [1] * 6 + [0] * 12
    folds = grouped_folds(texts, labels, k=3)
    assert sorted(i for fold in folds for i in fold) == list(range(len(texts)))
    for template in (range(0, 6), range(6, 12)):
        assert sum(1 for fold in folds if set(template) & set(fold)) == 1


def nonsense_file(count: int = 40, variants: int = 3) -> list[Labelled]:
    """Templates of made-up words, labelled at random: nothing to learn but the template
    itself, so a fold scores well only if its model saw the fold's templates."""
    rng = random.Random(13)
    rows = []
    letters = "bcdfghklmnpqrstvx"
    for _ in range(count):
        words = " ".join(
            "".join(rng.choice(letters) + rng.choice("aeiou") for _ in range(3)) for _ in range(8)
        )
        label = rng.randint(0, 1)
        rows += [Labelled(f"{words} {rng.randint(10, 99999)}", label) for _ in range(variants)]
    return rows


def test_no_fold_is_scored_by_a_model_that_saw_its_templates():
    rows = nonsense_file()
    folds = cross_validate_file(rows, k=3, seed=[], matcher=MatcherIndex([]))
    correct = sum(f.classifier.tp + f.classifier.tn for f in folds)
    assert sum(f.classifier.tp + f.classifier.fn + f.classifier.fp + f.classifier.tn
               for f in folds) == len(rows)  # fmt: skip
    # A model that had seen the templates would get nearly every row right (see below).
    assert correct / len(rows) < 0.75
    leaked = classifier.fit([Example(r.content, r.label, "file") for r in rows])
    seen = sum(
        (p >= 0.5) == bool(r.label)
        for r, p in zip(rows, leaked.probabilities([r.content for r in rows]), strict=True)
    )
    assert seen / len(rows) > 0.95


def test_lowest_threshold_is_where_precision_is_still_reached():
    zs = [(5.0, 1), (4.0, 1), (3.0, 1), (2.0, 0), (1.0, 1), (0.0, 0), (-1.0, 0)]
    assert calibration._lowest_threshold(zs, 0.8) == 1.0  # 4 scams in the top 5
    assert calibration._lowest_threshold(zs, 0.9) == 3.0
    assert calibration._lowest_threshold(zs, 1.0) == 3.0


def test_medium_threshold_moves_to_reach_the_precision_on_out_of_fold_scores():
    # Out-of-fold scores where ordinary messages reach z = 0.5 (bias -0.5 + logit): "medium"
    # must start above them, at the scams' 1.5.
    scored = [(Evidence(2.0, 0.0, 0.0, False), 1) for _ in range(20)]
    scored += [(Evidence(1.0, 0.0, 0.0, False), 0) for _ in range(5)]
    scored += [(Evidence(-3.0, 0.0, 0.0, False), 0) for _ in range(50)]
    combiner = calibration.fit_combiner(scored)
    assert combiner.z_medium == pytest.approx(1.5)
    assert combiner.z_high == Combiner().z_high
    assert combiner.fitted_on == 75


def test_a_few_labelled_messages_keep_the_hand_set_combiner():
    seed = classifier.load_seed()
    few = [Example("Vay tien nhanh lai suat 0%", 1, "file"), Example("Me oi con ve", 0, "file")]
    model = calibration.fit_detector(seed[::4] + few)
    assert model.combiner == Combiner()


def test_chosen_thresholds_travel_with_the_stored_model():
    model = classifier.fit(classifier.load_seed()[::3])
    model.combiner = Combiner(z_medium=0.7, fitted_on=300)
    blob, signature = classifier.dump(model)
    assert classifier.load(blob, signature).combiner == model.combiner


def write_csv(path, rows: list[Labelled]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["content", "label", "sender_type"])
        for row in rows:
            writer.writerow([row.content, row.label, row.sender_type or ""])


def test_evaluate_detector_cv_on_a_file_prints_folds_spread_matrices_and_result(tmp_path):
    path = tmp_path / "labelled.csv"
    write_csv(path, nonsense_file(count=20, variants=2))
    out = io.StringIO()
    call_command("evaluate_detector", str(path), "--cv", "3", stdout=out)
    text = out.getvalue()
    assert "fold 1/3" in text and "fold 3/3" in text
    assert "mean ± std" in text and "pooled" in text and "actual ordinary" in text
    last = text.strip().splitlines()[-1]
    assert last.startswith("RESULT high_precision=")
    keys = dict(pair.split("=") for pair in last.split()[1:])
    for key in ("high_recall", "medium_precision", "medium_recall", "classifier_f1"):
        assert 0.0 <= float(keys[key]) <= 1.0
    assert keys["folds"] == "3" and keys["messages"] == "40"
