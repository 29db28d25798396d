"""evaluate_detector and evaluate_lookalikes, on small files here and on the shared data."""

import csv
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from detection.evaluation import (
    Confusion,
    LookalikeReport,
    evaluate_bad,
    evaluate_good,
    evaluate_messages,
    is_bank_or_agency,
    read_entries,
    read_messages,
)
from indicators.matcher import reset_matcher
from lib.shared_data import shared_file

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clean_matcher():
    reset_matcher()
    yield
    reset_matcher()


def result_line(output: str) -> dict[str, float]:
    last = output.strip().splitlines()[-1]
    assert last.startswith("RESULT ")
    return {k: float(v) for k, v in (pair.split("=") for pair in last.split()[1:])}


def test_confusion_matrix_arithmetic():
    confusion = Confusion()
    for truth, predicted in [(1, 1), (1, 1), (1, 0), (0, 1), (0, 0), (0, 0)]:
        confusion.add(bool(truth), bool(predicted))
    assert (confusion.tp, confusion.fn, confusion.fp, confusion.tn) == (2, 1, 1, 2)
    assert confusion.precision == pytest.approx(2 / 3)
    assert confusion.recall == pytest.approx(2 / 3)
    assert confusion.f1 == pytest.approx(2 / 3)


def test_evaluate_detector_prints_metrics_matrices_and_result(tmp_path):
    path = tmp_path / "small.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["content", "label", "sender_type"])
        writer.writerow(
            [
                "Vietcombank: xac thuc tai khoan tai vietcombank-xacthuc.com ngay.",
                1,
                "personal_number",
            ]
        )
        writer.writerow(["Chuyen tien vao tai khoan an toan cua co quan dieu tra.", 1, ""])
        writer.writerow(["Me oi con ve muon nhe.", 0, "personal_number"])
        writer.writerow(["Ma OTP cua ban la 123456. Khong chia se cho ai.", 0, "brandname"])
    out = io.StringIO()
    call_command("evaluate_detector", str(path), stdout=out)
    text = out.getvalue()
    assert "whole analysis (risk high = scam)" in text and "classifier alone" in text
    assert "actual scam" in text and "actual ordinary" in text
    result = result_line(text)
    assert result["messages"] == 4
    assert result["precision"] == 1.0 and result["recall"] == 1.0


def test_evaluate_detector_needs_the_columns(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("text,y\nabc,1\n", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("evaluate_detector", str(path), stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("evaluate_detector", str(tmp_path / "missing.csv"), stdout=io.StringIO())


def test_evaluate_lookalikes_on_small_lists(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps(
            [
                {"url": "http://vietcombank-xacthuc.com/*", "type": "phishing"},
                {"url": "https://acb.vn-ebanks.xyz/*", "type": "phishing"},
                {"url": "https://www.facebook.com/some.page/*", "type": "impersonate_fake"},
                {"url": "http://game-bai.xyz/*", "type": "scam"},  # another type: left out
            ]
        ),
        encoding="utf-8",
    )
    good = tmp_path / "good.csv"
    good.write_text("1,google.com\n2,vietcombank.com.vn\n3,macbook.com\n", encoding="utf-8")
    out = io.StringIO()
    call_command("evaluate_lookalikes", "--bad", str(bad), "--good", str(good), stdout=out)
    result = result_line(out.getvalue())
    assert result == {
        "recall": 1.0,
        "bank_agency_recall": 1.0,
        "fp_rate": 0.0,
        "bad": 2.0,
        "bank_agency": 2.0,
        "good": 3.0,
    }


def test_bank_and_agency_selection_does_not_use_the_scorer():
    assert is_bank_or_agency("vietcombank-xacthuc.com")
    assert is_bank_or_agency("hethongbank.com")
    assert is_bank_or_agency("dichvucong-gov.top")
    assert not is_bank_or_agency("sukien-lienquan.ga")


# --- the shared data: the targets of the issue -------------------------------------------------


def need(relative: str):
    path = shared_file(relative)
    if path is None:
        pytest.skip(f"../shared/data/{relative} is absent on this machine")
    return path


@pytest.mark.slow
def test_lookalike_false_positive_rate_on_tranco_top_50k_is_at_most_half_a_percent():
    report = LookalikeReport()
    evaluate_good(read_entries(need("tranco/tranco_top_50k.csv")), report)
    assert report.good == 50_000
    assert report.fp_rate <= 0.005


@pytest.mark.slow
def test_lookalike_recall_on_bank_and_agency_impersonation_entries():
    report = LookalikeReport()
    path = need("chongluadao/typed-blacklist-2021.json")
    evaluate_bad(read_entries(path, types={"phishing", "impersonate_fake"}), report)
    # The issue asks for this figure to be reported; 0.85 guards against regressions.
    assert report.subset >= 50
    assert report.subset_recall >= 0.85


@pytest.mark.slow
def test_message_analysis_on_real_sms_does_not_regress():
    rows = read_messages(need("sms/vi_sms_dev.csv"))
    report = evaluate_messages(rows)
    # Floors a little below what the analysis reaches today (0.954 and 0.780, see the report of
    # issue 6). Its targets (0.95 and 0.90) were not reached: about 23 of the 132 smishing rows
    # are genuine notices from registered senders (evaluate_detector --conflicts); the targets
    # asked since are issue 13's, below.
    assert report.analysis.precision >= 0.94
    assert report.analysis.recall >= 0.76


# --- cross-validation on the real SMS (issue 13) ----------------------------------------------


@pytest.fixture(scope="module")
def real_sms_cv(django_db_setup, django_db_blocker):
    from detection.classifier import load_seed
    from detection.evaluation import cross_validate_file, mean_std

    rows = read_messages(need("sms/vi_sms_dev.csv"))
    with django_db_blocker.unblock():
        folds = cross_validate_file(rows, k=5, seed=load_seed())
    return {
        f"{name}_{metric}": mean_std([getattr(getattr(f, attr), metric) for f in folds])[0]
        for name, attr in (("high", "high"), ("medium", "warning"))
        for metric in ("precision", "recall")
    }


@pytest.mark.slow
def test_cross_validated_analysis_on_real_sms_does_not_regress(real_sms_cv):
    # Floors a little below what evaluate_detector FILE --cv 5 measured (0.968 / 0.780 for
    # "high", 0.931 / 0.795 for "medium or high"); the issue's targets are in the next test.
    assert real_sms_cv["high_precision"] >= 0.95
    assert real_sms_cv["high_recall"] >= 0.76
    assert real_sms_cv["medium_precision"] >= 0.91
    assert real_sms_cv["medium_recall"] >= 0.77


@pytest.mark.slow
@pytest.mark.xfail(
    reason=(
        "issue 13 targets not all reached: 'high' precision 0.965 (0.97 asked) and 'medium or "
        "high' recall 0.819 (0.84 asked); the missed scams are mostly ordinary brand and carrier "
        "promotions labelled 1, two 'high' false alarms are phishing rows labelled 0 (see the "
        "issue-13 report)"
    ),
    # Strict: the day the targets are reached this fails, and the mark goes.
    strict=True,
)
def test_cross_validated_analysis_on_real_sms_meets_the_issue_targets(real_sms_cv):
    assert real_sms_cv["high_precision"] >= 0.97
    assert real_sms_cv["high_recall"] >= 0.78
    assert real_sms_cv["medium_precision"] >= 0.92
    assert real_sms_cv["medium_recall"] >= 0.84


@pytest.mark.slow
def test_ordinary_bank_carrier_and_delivery_messages_stay_low_with_the_larger_model():
    """A model that learnt from real messages (and chose its levels on them) must not start
    warning about the seed corpus' ordinary notices it was not trained on."""
    from detection.analysis import analyse_message
    from detection.calibration import fit_detector
    from detection.classifier import SEED_CORPUS, Example, is_holdout, load_seed, split

    rows = read_messages(need("sms/vi_sms_dev.csv"))
    train = split(load_seed())[0]
    train += [Example(r.content, r.label, "file", r.sender_type or "") for r in rows]
    model = fit_detector(train)
    assert model.combiner.fitted_on > 0  # the levels were chosen on the real messages
    kinds = {"ordinary_bank", "ordinary_bank_notice", "ordinary_telecom", "ordinary_delivery"}
    with SEED_CORPUS.open(encoding="utf-8", newline="") as handle:
        held_out = [
            row["content"]
            for row in csv.DictReader(handle)
            if row["scam_type"] in kinds and is_holdout(row["content"])
        ]
    assert len(held_out) >= 10
    risky = [text for text in held_out if analyse_message(text, model=model).risk != "low"]
    assert risky == []
