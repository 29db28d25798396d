"""Measuring the detector: confusion matrices, and reading evaluation files.

Used by the evaluate_detector and evaluate_lookalikes commands and by the tests that check the
targets on the shared data. Nothing here is tuned on those files.
"""

from __future__ import annotations

import csv
import json
import re
import statistics
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from indicators.banks import banks
from indicators.matcher import MatcherIndex, get_matcher
from indicators.urlcanon import canonical_parts

from .analysis import analyse_message
from .calibration import fit_detector, held_out
from .classifier import Combiner, Example, TrainedModel, get_model, prepare
from .folds import grouped_folds, word_trigrams
from .lookalike import score_domain

MAX_ROWS = 200_000


@dataclass
class Confusion:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    def add(self, truth: bool, predicted: bool) -> None:
        if truth and predicted:
            self.tp += 1
        elif predicted:
            self.fp += 1
        elif truth:
            self.fn += 1
        else:
            self.tn += 1

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def lines(self, title: str) -> list[str]:
        return [
            f"{title}: precision={self.precision:.3f} recall={self.recall:.3f} f1={self.f1:.3f}",
            "                 predicted scam  predicted ordinary",
            f"  actual scam    {self.tp:>14}  {self.fn:>18}",
            f"  actual ordinary{self.fp:>14}  {self.tn:>18}",
        ]


@dataclass(frozen=True)
class Labelled:
    content: str
    label: int
    sender_type: str | None = None


def read_messages(path: Path) -> list[Labelled]:
    """content,label[,sender_type] rows; label 1 (or "scam", "spam") is a scam."""
    rows = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        if not reader.fieldnames or not {"content", "label"} <= set(reader.fieldnames):
            raise ValueError("Tệp cần các cột content,label.")
        for number, row in enumerate(reader):
            if number >= MAX_ROWS:
                break
            label = str(row["label"]).strip().lower()
            rows.append(
                Labelled(
                    row["content"] or "",
                    1 if label in ("1", "scam", "spam", "smishing", "true") else 0,
                    (row.get("sender_type") or "").strip() or None,
                )
            )
    return rows


@dataclass
class DetectorReport:
    analysis: Confusion = field(default_factory=Confusion)
    warning: Confusion = field(default_factory=Confusion)  # medium or high counted as scam
    classifier: Confusion = field(default_factory=Confusion)
    errors: list[tuple[int, Labelled, str, float]] = field(default_factory=list)


def evaluate_messages(
    rows: Iterable[Labelled], *, use_sender: bool = True, model: TrainedModel | None = None
) -> DetectorReport:
    report = DetectorReport()
    model = model or get_model()
    for number, row in enumerate(rows):
        analysis = analyse_message(
            row.content, sender_type=row.sender_type if use_sender else None, model=model
        )
        truth = row.label == 1
        report.analysis.add(truth, analysis.is_scam)
        report.warning.add(truth, analysis.risk != "low")
        report.classifier.add(truth, analysis.probability >= 0.5)
        if truth != analysis.is_scam:
            report.errors.append((number, row, analysis.risk, analysis.z))
    return report


# --- labels that contradict each other -----------------------------------------------------


@dataclass(frozen=True)
class Conflict:
    scam: int  # row numbers (0-based, header not counted)
    ordinary: int
    similarity: float


def _shingles(text: str) -> frozenset[str]:
    return word_trigrams(" ".join(re.findall(r"\w+", prepare(text))))


def label_conflicts(rows: list[Labelled], *, threshold: float = 0.8) -> list[Conflict]:
    """Pairs of nearly the same message (Jaccard similarity of word trigrams, digits ignored)
    labelled scam in one row and ordinary in the other: no detector can get both right, so each
    pair costs a point of precision or of recall whatever the detector does."""
    ordinary: list[tuple[int, frozenset[str]]] = []
    postings: dict[str, list[int]] = {}
    for i, row in enumerate(rows):
        if row.label != 1:
            shingles = _shingles(row.content)
            for shingle in shingles:
                postings.setdefault(shingle, []).append(len(ordinary))
            ordinary.append((i, shingles))
    found = []
    for i, row in enumerate(rows):
        if row.label != 1:
            continue
        mine = _shingles(row.content)
        shared = Counter(k for shingle in mine for k in postings.get(shingle, ()))
        best: Conflict | None = None
        for k, common in shared.items():
            similarity = common / (len(mine) + len(ordinary[k][1]) - common)
            if similarity >= threshold and (best is None or similarity > best.similarity):
                best = Conflict(i, ordinary[k][0], round(similarity, 3))
        if best is not None:
            found.append(best)
    return found


# --- look-alike lists ------------------------------------------------------------------------

# What counts as bank or agency impersonation in a typed blacklist, decided without the scorer:
# the host names a bank or e-wallet of indicators/data/banks.json, says "bank", or names a state
# agency.
_AGENCY_WORDS = ("congan", "bocongan", "canhsat", "dichvucong", "vneid", "bhxh", "baohiemxahoi")
_AGENCY_TOKENS = {"gov", "bhxh", "thue", "csgt"}


@cache  # asked once per host of a list of up to MAX_ROWS names
def _bank_names() -> tuple[frozenset[str], frozenset[str]]:
    long_names: set[str] = set()
    short_names: set[str] = set()
    for bank in banks().values():
        for alias in bank.aliases:
            word = re.sub(r"[^a-z0-9]", "", alias.lower())
            if word.isascii() and len(word) >= 3:
                (long_names if len(word) >= 5 else short_names).add(word)
    return frozenset(long_names), frozenset(short_names)


def is_bank_or_agency(host: str) -> bool:
    long_names, short_names = _bank_names()
    compact = host.replace("-", "").replace(".", "")
    tokens = set(re.findall(r"[a-z]+", host))
    return (
        "bank" in compact
        or "nganhang" in compact
        or any(name in compact for name in long_names)
        or bool(tokens & short_names)
        or any(word in compact for word in _AGENCY_WORDS)
        or bool(tokens & _AGENCY_TOKENS)
    )


@dataclass(frozen=True)
class Entry:
    value: str
    kind: str = ""  # the type in a typed list


def read_entries(path: Path, *, types: set[str] | None = None) -> Iterator[Entry]:
    """Hosts or URLs from a .json typed list ({url, type}), a .csv (rank,domain or a domain/url
    column) or a text file (one a line, # comments)."""
    suffix = path.suffix.lower()
    if suffix == ".json":
        for item in json.loads(path.read_text(encoding="utf-8"))[:MAX_ROWS]:
            if types and item.get("type") not in types:
                continue
            yield Entry(str(item.get("url", "")).replace("*", ""), str(item.get("type", "")))
        return
    with path.open(encoding="utf-8-sig", newline="") as handle:
        if suffix == ".csv":
            sample = handle.readline()
            handle.seek(0)
            has_header = not re.match(r"^\d+,", sample)
            if has_header:
                reader = csv.DictReader(handle)
                column = next(
                    (c for c in ("domain", "url", "host") if c in (reader.fieldnames or [])), None
                )
                if column is None:
                    raise ValueError("Tệp CSV cần cột domain hoặc url.")
                for number, row in enumerate(reader):
                    if number >= MAX_ROWS:
                        break
                    yield Entry(row[column].strip())
            else:
                for number, cells in enumerate(csv.reader(handle)):
                    if number >= MAX_ROWS:
                        break
                    if len(cells) >= 2:
                        yield Entry(cells[1].strip())
            return
        for number, line in enumerate(handle):
            if number >= MAX_ROWS:
                break
            line = line.split("#", 1)[0].strip()
            if line:
                yield Entry(line)


@dataclass
class LookalikeReport:
    bad: int = 0
    bad_flagged: int = 0
    subset: int = 0
    subset_flagged: int = 0
    skipped: int = 0
    good: int = 0
    good_flagged: int = 0
    misses: list[str] = field(default_factory=list)
    false_positives: list[tuple[str, float, str]] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.bad_flagged / self.bad if self.bad else 0.0

    @property
    def subset_recall(self) -> float:
        return self.subset_flagged / self.subset if self.subset else 0.0

    @property
    def fp_rate(self) -> float:
        return self.good_flagged / self.good if self.good else 0.0


def evaluate_bad(entries: Iterable[Entry], report: LookalikeReport) -> None:
    for entry in entries:
        result = score_domain(entry.value)
        if result.official and not result.findings:
            report.skipped += 1  # a profile on a shared platform: a listing, not a look-alike
            continue
        report.bad += 1
        report.bad_flagged += result.flagged
        if is_bank_or_agency(canonical_parts(entry.value).host):
            report.subset += 1
            report.subset_flagged += result.flagged
        if not result.flagged:
            report.misses.append(entry.value)


def evaluate_good(entries: Iterable[Entry], report: LookalikeReport) -> None:
    for entry in entries:
        result = score_domain(entry.value)
        report.good += 1
        if result.flagged:
            report.good_flagged += 1
            report.false_positives.append(
                (entry.value, result.score, result.reasons[0] if result.reasons else "")
            )


# --- cross-validation on a labelled file -----------------------------------------------------


@dataclass
class FoldScores:
    """One fold of evaluate_detector FILE --cv K: the three verdicts on the fold's messages."""

    high: Confusion = field(default_factory=Confusion)
    warning: Confusion = field(default_factory=Confusion)  # medium or high
    classifier: Confusion = field(default_factory=Confusion)  # P(scam) >= 0.5
    combiner: Combiner = field(default_factory=Combiner)
    seconds: float = 0.0


def cross_validate_file(
    rows: Sequence[Labelled],
    *,
    k: int,
    seed: Sequence[Example],
    use_sender: bool = True,
    matcher: MatcherIndex | None = None,
    progress: Callable[[str], None] | None = None,
) -> list[FoldScores]:
    """K template-grouped folds of rows (folds.py). Each fold is scored by the whole analysis
    with a detector (calibration.fit_detector) trained on the seed corpus and the other folds:
    never on the fold itself nor on a near-duplicate of one of its messages."""
    matcher = get_matcher() if matcher is None else matcher
    examples = [
        Example(r.content, r.label, "file", (r.sender_type or "") if use_sender else "")
        for r in rows
    ]
    folds = grouped_folds([e.content for e in examples], [e.label for e in examples], k=k)

    def train(training: list[Example]) -> TrainedModel:
        return fit_detector(training, matcher=matcher, progress=progress)

    results = []
    started = time.perf_counter()  # a fold's time includes its training (done in held_out)
    each = held_out(seed, examples, folds, train=train, matcher=matcher)
    for number, (model, trained_on, analysed) in enumerate(each, start=1):
        scores = FoldScores(combiner=model.combiner)
        for example, analysis in analysed:
            truth = example.label == 1
            scores.high.add(truth, analysis.risk == "high")
            scores.warning.add(truth, analysis.risk != "low")
            scores.classifier.add(truth, analysis.probability >= 0.5)
        scores.seconds = time.perf_counter() - started
        results.append(scores)
        if progress:
            progress(
                f"fold {number}/{k}: {len(analysed)} messages, trained on {trained_on}; "
                f"high P={scores.high.precision:.3f} R={scores.high.recall:.3f}, medium or "
                f"high P={scores.warning.precision:.3f} R={scores.warning.recall:.3f} "
                f"({scores.seconds:.1f} s)"
            )
        started = time.perf_counter()
    return results


def pooled(confusions: Iterable[Confusion]) -> Confusion:
    total = Confusion()
    for c in confusions:
        total.tp += c.tp
        total.fp += c.fp
        total.fn += c.fn
        total.tn += c.tn
    return total


def mean_std(values: Sequence[float]) -> tuple[float, float]:
    """Mean and (population) standard deviation."""
    if not values:
        return 0.0, 0.0
    return statistics.fmean(values), statistics.pstdev(values)
