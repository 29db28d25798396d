"""The seed corpus the team wrote: size, balance, coverage, and no evaluation data in it."""

import csv
import re
from collections import Counter
from pathlib import Path

import pytest

from detection.classifier import SEED_CORPUS, load_seed, prepare, split
from lib.shared_data import shared_file

SCAM_TYPES = {
    # every scam type the issue names
    "bank_phishing",
    "otp_request",
    "police_impersonation",
    "safe_account",
    "debt_collection",
    "malware_app",
    "job_task",
    "prize_fee",
    "parcel_fee",
    # and the others people meet
    "loan",
    "investment",
    "family_emergency",
    "telecom_sim",
    "utility_bill",
    "tax_refund",
    "refund_support",
    "wrong_transfer",
    "gambling",
}
ORDINARY_TYPES = {
    "ordinary_bank",
    "ordinary_otp",
    "ordinary_bank_notice",
    "ordinary_telecom",
    "ordinary_delivery",
    "ordinary_family",
    "ordinary_work",
    "ordinary_gov",
    "ordinary_shop",
}


def rows():
    with SEED_CORPUS.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_corpus_has_at_least_400_messages_about_45_percent_scams():
    data = rows()
    assert len(data) >= 400
    share = sum(row["label"] == "1" for row in data) / len(data)
    assert 0.4 <= share <= 0.5


def test_corpus_covers_every_scam_type_and_ordinary_kind():
    counts = Counter(row["scam_type"] for row in data_rows())
    assert SCAM_TYPES <= set(counts)
    assert ORDINARY_TYPES <= set(counts)
    for scam_type in SCAM_TYPES:
        assert counts[scam_type] >= 4, scam_type
    labels = {row["scam_type"]: row["label"] for row in data_rows()}
    assert all(labels[t] == "0" for t in ORDINARY_TYPES)


def data_rows():
    return rows()


def test_corpus_mixes_messages_with_and_without_diacritics():
    data = rows()
    plain = sum(1 for row in data if row["content"].isascii())
    assert 0.25 * len(data) <= plain <= 0.75 * len(data)


def test_corpus_has_no_duplicates_even_after_folding():
    prepared = [prepare(row["content"]) for row in rows()]
    assert len(prepared) == len(set(prepared))


def test_holdout_split_is_stable_and_about_fifteen_percent():
    examples = load_seed()
    train, holdout = split(examples)
    assert 0.08 <= len(holdout) / len(examples) <= 0.22
    again = split(examples)[1]
    assert [e.content for e in holdout] == [e.content for e in again]
    assert {e.label for e in holdout} == {0, 1}


@pytest.mark.slow
def test_corpus_shares_no_message_with_the_evaluation_file():
    path = shared_file("sms/vi_sms_dev.csv")
    if path is None:
        pytest.skip("../shared/data/sms/vi_sms_dev.csv is absent on this machine")
    with path.open(encoding="utf-8", newline="") as handle:
        evaluation = {prepare(row["content"]).strip() for row in csv.DictReader(handle)}
    ours = {prepare(row["content"]).strip() for row in rows()}
    assert not ours & evaluation


def shingles(text: str) -> set[str]:
    """The eight-word phrases of a text (folded as the classifier folds it)."""
    words = re.findall(r"[a-z0-9]+", prepare(text))
    return {" ".join(words[i : i + 8]) for i in range(len(words) - 7)}


def evaluation_phrases() -> set[str]:
    """The eight-word phrases of the evaluation file (the test is skipped without it)."""
    path = shared_file("sms/vi_sms_dev.csv")
    if path is None:
        pytest.skip("../shared/data/sms/vi_sms_dev.csv is absent on this machine")
    with path.open(encoding="utf-8", newline="") as handle:
        return set().union(*(shingles(row["content"]) for row in csv.DictReader(handle)))


@pytest.mark.slow
def test_corpus_shares_no_eight_word_phrase_with_the_evaluation_file():
    """The team wrote its own messages: not even a long phrase comes from the evaluation file."""
    evaluation = evaluation_phrases()
    shared = [row["content"] for row in rows() if shingles(row["content"]) & evaluation]
    assert shared == []


@pytest.mark.slow
def test_no_file_of_the_project_holds_an_eight_word_phrase_of_the_evaluation_file():
    """Rules, brand lists, hotlines and templates (what the detector runs on) are written by the
    team too: none of them copies a long phrase of a real message (that would fit the detector
    to single rows). Tests are left out: some quote a message to check how it is parsed, and
    bank boilerplate ("khong cung cap ma OTP cho bat ky ai") is in many."""
    evaluation = evaluation_phrases()
    root = Path(__file__).resolve().parents[2]
    skipped = {".venv", "var", "node_modules", ".git", "staticfiles", "tests"}
    found = []
    for file in root.rglob("*"):
        if skipped & set(file.relative_to(root).parts) or not file.is_file():
            continue
        if file.suffix not in {".py", ".yaml", ".yml", ".csv", ".html", ".txt", ".md", ".json"}:
            continue
        text = file.read_text(encoding="utf-8", errors="replace")[:2_000_000]
        if shingles(text) & evaluation:
            found.append(str(file.relative_to(root)))
    assert found == []
