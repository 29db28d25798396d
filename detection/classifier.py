"""The message classifier: TF-IDF on character and word n-grams, logistic regression.

Where the model comes from: the seed corpus (data/seed_corpus.csv, written by the team) plus
every LabelledMessage. A fixed part of all that (HOLDOUT_PERCENT, chosen by a hash of the folded
text, so a message is always on the same side) is never trained on: train_detector scores the
new model and the active one on it and keeps the active one when the new one is worse.

Without any trained model in the database, each process trains the built-in model from the seed
corpus the first time it needs one (about a second) and keeps it in memory. Trained models are
stored in the database (DetectorModel, so every app server sees the same one) as a pickle signed
with an HMAC of the secret key: a pickle is loaded only if this project wrote it.

Scoring one message does not go through scikit-learn's sparse matrices (too slow for one short
text); it applies the same n-gram analysers, sublinear TF, IDF, L2 norm and coefficients in plain
Python, and so also knows which phrases weighed most. A test checks it against predict_proba.
"""

from __future__ import annotations

import csv
import hashlib
import logging
import math
import pickle  # noqa: S403 (only our own, HMAC-signed models are unpickled)
import re
import threading
import time
import zlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, cast

import numpy as np
import numpy.typing as npt
from django.utils.crypto import constant_time_compare, salted_hmac

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    from .models import TrainingSelection

# scikit-learn and SciPy are imported where a model is trained, read back or scored in bulk, not
# when the module is: every web worker imports this module at start, and these two took 2.5 s of
# its CPU there, while scoring one message (explain) runs in plain Python.

from .text import clean, fold

log = logging.getLogger(__name__)

SEED_CORPUS = Path(__file__).resolve().parent / "data" / "seed_corpus.csv"
HOLDOUT_PERCENT = 15
CHECK_INTERVAL_S = 30.0
FORMAT = 2  # bump when TrainedModel's fields change: older pickles are then ignored

_DIGIT = re.compile(r"\d")
_WORD = re.compile(r"\w+")


def prepare(text: str) -> str:
    """What the classifier reads: folded, every digit a 0 (amounts, codes and phone numbers say
    little by their value). Same length as clean(text)."""
    return _DIGIT.sub("0", fold(clean(text)))


@dataclass(frozen=True)
class Example:
    content: str
    label: int
    source: str = "seed"
    sender_type: str = ""  # brandname, shortcode, personal_number or "" (unknown)


def load_seed(path: Path = SEED_CORPUS) -> list[Example]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            Example(row["content"], int(row["label"]), "seed") for row in csv.DictReader(handle)
        ]


def load_labelled(selection: TrainingSelection | None = None) -> list[Example]:
    """Each labelled text once, as models.select_training_texts() weighed its labels (a
    verifier's label wins; disputed texts are left out). source: "verifier" or the corpus."""
    from .models import select_training_texts

    chosen = select_training_texts() if selection is None else selection
    return [
        Example(content=t.content, label=t.label, source=t.source, sender_type=t.sender_type)
        for t in chosen.texts
    ]


def is_holdout(content: str) -> bool:
    key = prepare(content).strip().encode("utf-8")
    return hashlib.sha256(key).digest()[0] * 100 < HOLDOUT_PERCENT * 256


def split(examples: Iterable[Example]) -> tuple[list[Example], list[Example]]:
    train: list[Example] = []
    holdout: list[Example] = []
    for example in examples:
        (holdout if is_holdout(example.content) else train).append(example)
    return train, holdout


# --- the model ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Phrase:
    text: str  # as written in the message
    weight: float  # its contribution to the log-odds


@dataclass(frozen=True)
class Explanation:
    probability: float
    phrases: tuple[Phrase, ...]


class _Part:
    """One vectoriser's share of the linear model, as plain Python for scoring one text."""

    def __init__(self, vectorizer: TfidfVectorizer, coef: np.ndarray) -> None:
        self.analyse = vectorizer.build_analyzer()
        idf = vectorizer.idf_
        self.terms = {
            term: (float(idf[j]), float(coef[j])) for term, j in vectorizer.vocabulary_.items()
        }

    def contributions(self, prepared: str) -> tuple[float, dict[str, float]]:
        """The part's share of the log-odds, and each term's."""
        weights: dict[str, tuple[float, float]] = {}
        norm = 0.0
        terms = self.terms
        for term, count in Counter(self.analyse(prepared)).items():
            known = terms.get(term)
            if known is None:
                continue
            w = (1.0 + math.log(count)) * known[0]
            weights[term] = (w, known[1])
            norm += w * w
        if not norm:
            return 0.0, {}
        norm = math.sqrt(norm)
        each = {term: w * c / norm for term, (w, c) in weights.items()}
        return sum(each.values()), each

    def total(self, prepared: str) -> float:
        """The part's share of the log-odds only (the character n-grams explain nothing, and
        there are many of them: this is the hot loop of the analysis)."""
        terms = self.terms
        dot = norm = 0.0
        for term, count in Counter(self.analyse(prepared)).items():
            known = terms.get(term)
            if known is not None:
                w = (1.0 + math.log(count)) * known[0]
                dot += w * known[1]
                norm += w * w
        return dot / math.sqrt(norm) if norm else 0.0


SENDER_FEATURES = ("brandname", "shortcode", "personal_number")  # "" (unknown): all zero
# The sender type's column value. Small, so that the regularisation keeps its weight small: the
# analysis already weighs the sender through its rules (a personal number speaking for a bank,
# an offer from a personal SIM), and at full weight the classifier also learnt "personal number
# = scam", which made short family messages ("A lô", "Bố xong chưa") look risky
# (evaluate_detector --cv on real messages: more false alarms, no more scams found).
SENDER_SCALE = 0.25


def _sender_row(sender_type: str | None) -> list[float]:
    return [SENDER_SCALE if sender_type == name else 0.0 for name in SENDER_FEATURES]


@dataclass(frozen=True)
class Combiner:
    """How the analysis adds up the classifier and the rules, and where its risk levels start:

        z = bias + classifier * logit(P(scam)) + rules * (sum of positive reason weights)
              + reassurances * (sum of negative reason weights)

    "high" from z_high, "medium" from z_medium. The defaults are the hand-set values the
    analysis had before models learned from labelled messages (chosen by cross-validation on
    the seed corpus); calibration.fit_detector replaces them with values fitted on the training
    messages only (out-of-fold scores), and they travel with the model."""

    bias: float = -0.5
    classifier: float = 1.0
    rules: float = 1.0
    reassurances: float = 1.0
    z_high: float = 2.0
    z_medium: float = 0.0
    fitted_on: int = 0  # how many out-of-fold scores chose these values (0: the defaults)


class TrainedModel:
    """Two TF-IDF vectorisers (characters in words, words and word pairs), the sender type, and
    a logistic regression over all of them; the Combiner the analysis uses with it."""

    def __init__(self, char: TfidfVectorizer, word: TfidfVectorizer, clf: LogisticRegression):
        import sklearn

        self.format = FORMAT
        self.sklearn_version = sklearn.__version__
        self.char = char
        self.word = word
        self.clf = clf
        self.combiner = Combiner()
        self._fast: tuple[_Part, _Part, dict[str, float], float] | None = None

    def __getstate__(self) -> dict[str, object]:
        state = self.__dict__.copy()
        state["_fast"] = None
        return state

    def _parts(self) -> tuple[_Part, _Part, dict[str, float], float]:
        if self._fast is None:
            coef = self.clf.coef_[0]
            n_char = len(self.char.vocabulary_)
            n_text = n_char + len(self.word.vocabulary_)
            self._fast = (
                _Part(self.char, coef[:n_char]),
                _Part(self.word, coef[n_char:n_text]),
                {
                    name: SENDER_SCALE * float(coef[n_text + i])
                    for i, name in enumerate(SENDER_FEATURES)
                },
                float(self.clf.intercept_[0]),
            )
        return self._fast

    def _matrix(
        self, texts: Sequence[str], sender_types: Sequence[str | None] | None = None
    ) -> csr_matrix:
        from scipy.sparse import csr_matrix, hstack

        prepared = [prepare(t) for t in texts]
        senders = csr_matrix(
            [_sender_row(s) for s in (sender_types or [None] * len(texts))], dtype=np.float64
        )
        return hstack(
            [self.char.transform(prepared), self.word.transform(prepared), senders]
        ).tocsr()

    def probabilities(
        self, texts: Sequence[str], sender_types: Sequence[str | None] | None = None
    ) -> npt.NDArray[np.float64]:
        """P(scam) for many texts at once, through scikit-learn."""
        proba = self.clf.predict_proba(self._matrix(texts, sender_types))
        return np.asarray(proba[:, 1], dtype=np.float64)

    def explain(self, text: str, *, sender_type: str | None = None, top: int = 5) -> Explanation:
        """P(scam) of one text and the word phrases that pushed it most towards "scam"."""
        char, word, senders, intercept = self._parts()
        prepared = prepare(text)
        char_sum = char.total(prepared)
        word_sum, by_phrase = word.contributions(prepared)
        z = intercept + char_sum + word_sum + senders.get(sender_type or "", 0.0)
        probability = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
        return Explanation(probability, self._phrases(text, prepared, by_phrase, top))

    def _phrases(
        self, text: str, prepared: str, by_phrase: dict[str, float], top: int
    ) -> tuple[Phrase, ...]:
        # Word pairs say more than single words; short and very common words say nothing.
        strongest = sorted(
            ((term, weight) for term, weight in by_phrase.items() if weight > 0 and _telling(term)),
            key=lambda item: -item[1] * (1.5 if " " in item[0] else 1.0),
        )
        phrases: list[Phrase] = []
        shown: list[str] = []
        original = clean(text)
        for term, weight in strongest:
            if len(phrases) >= top:
                break
            if any(term in s or s in term for s in shown):
                continue
            span = _find_phrase(prepared, term)
            if span is None:
                continue
            shown.append(term)
            phrases.append(Phrase(original[span[0] : span[1]], round(weight, 3)))
        return tuple(phrases)


# Words too common to explain anything on their own.
_COMMON = frozenset(
    """tai ban cua va la cho de duoc nay voi cac mot khi thi com www http https quy khach anh
    chi em toi minh nhe a o co khong da se dang bi vao ra len ngay gio hom the tu den trong
    hoac neu vui long xin cam on thong bao nhan gui""".split()
)


_NUMBERISH = re.compile(r"0+[a-z]{0,3}|[a-z]?0+")


def _telling(term: str) -> bool:
    words = term.split(" ")
    if all(w in _COMMON or _NUMBERISH.fullmatch(w) for w in words):
        return False
    return len(words) > 1 or len(term) >= 4


def _find_phrase(prepared: str, term: str) -> tuple[int, int] | None:
    words = term.split(" ")
    pattern = r"(?<!\w)" + r"\W+".join(re.escape(w) for w in words) + r"(?!\w)"
    match = re.search(pattern, prepared)
    return (match.start(), match.end()) if match else None


def fit(examples: Sequence[Example]) -> TrainedModel:
    """Train a model on these examples (both labels must be present). Its Combiner is the
    default one: calibration.fit_detector also fits that."""
    from scipy.sparse import csr_matrix, hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    texts = [prepare(e.content) for e in examples]
    labels = np.array([e.label for e in examples])
    char = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True, lowercase=False
    )
    word = TfidfVectorizer(
        analyzer="word",
        ngram_range=(1, 2),
        min_df=2,
        sublinear_tf=True,
        lowercase=False,
        token_pattern=r"(?u)\b\w+\b",  # noqa: S106 (a regular expression)
    )
    senders = csr_matrix([_sender_row(e.sender_type) for e in examples], dtype=np.float64)
    matrix = hstack([char.fit_transform(texts), word.fit_transform(texts), senders]).tocsr()
    clf = LogisticRegression(C=4.0, class_weight="balanced", solver="liblinear", max_iter=1000)
    clf.fit(matrix, labels)
    return TrainedModel(char, word, clf)


@dataclass(frozen=True)
class Scores:
    precision: float
    recall: float
    f1: float
    count: int


def score(model: TrainedModel, examples: Sequence[Example], threshold: float = 0.5) -> Scores:
    """Precision, recall and F1 of "P(scam) >= threshold" on labelled examples."""
    from sklearn.metrics import f1_score, precision_score, recall_score

    if not examples:
        return Scores(0.0, 0.0, 0.0, 0)
    truth = [e.label for e in examples]
    texts = [e.content for e in examples]
    senders = [e.sender_type for e in examples]
    predicted = (model.probabilities(texts, senders) >= threshold).astype(int)
    return Scores(
        float(precision_score(truth, predicted, zero_division=0)),
        float(recall_score(truth, predicted, zero_division=0)),
        float(f1_score(truth, predicted, zero_division=0)),
        len(examples),
    )


# --- storing models ------------------------------------------------------------------------


def _sign(blob: bytes) -> str:
    return salted_hmac("detection.DetectorModel", blob, algorithm="sha256").hexdigest()


def dump(model: TrainedModel) -> tuple[bytes, str]:
    """The model as signed, compressed bytes for DetectorModel.blob."""
    blob = zlib.compress(pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL), 6)
    return blob, _sign(blob)


def load(blob: bytes, signature: str) -> TrainedModel:
    """A model from dump(); ValueError if the signature or the format does not match."""
    if not signature or not constant_time_compare(_sign(bytes(blob)), signature):
        raise ValueError("model signature does not match (not written by this project?)")
    model = pickle.loads(zlib.decompress(bytes(blob)))  # noqa: S301 (signed above)
    if not isinstance(model, TrainedModel) or getattr(model, "format", None) != FORMAT:
        raise ValueError("model format is not the current one")
    return model


@cache
def builtin_model() -> TrainedModel:
    """The model trained on the training part of the seed corpus (once per process)."""
    train, _ = split(load_seed())
    return fit(train)


class _Holder:
    def __init__(self) -> None:
        self.model: TrainedModel | None = None
        self.model_id: int | None = None
        self.refused_id: int | None = None  # an active model that failed to load
        self.checked_at = float("-inf")
        self.lock = threading.Lock()


_holder = _Holder()


def _active_values(*fields: str) -> tuple[object, ...] | None:
    """These fields of the active DetectorModel; None when there is none."""
    from django.db import DatabaseError

    from .models import DetectorModel

    try:
        return DetectorModel.objects.active().values_list(*fields).first()
    except DatabaseError:
        return None  # no table yet (before migrate): the built-in model


def _active_row() -> tuple[int, bytes, str] | None:
    # The values of these three fields, in this order.
    return cast("tuple[int, bytes, str] | None", _active_values("id", "blob", "signature"))


def _active_id() -> int | None:
    row = _active_values("id")  # the small query, every CHECK_INTERVAL_S; the blob only on change
    return cast(int, row[0]) if row else None


def get_model(*, refresh: bool = False) -> TrainedModel:
    """The model in use: the active DetectorModel, else the built-in one. The database is
    asked at most every CHECK_INTERVAL_S seconds whether another model became active. An
    active model that cannot be loaded (its signature fails: not written with our secret key,
    or it was altered) is refused, logged once, and the model in use stays."""
    holder = _holder
    model = holder.model
    if (
        model is not None
        and not refresh
        and time.monotonic() - holder.checked_at < CHECK_INTERVAL_S
    ):
        return model
    with holder.lock:
        active = _active_id()
        if holder.model is None or (active != holder.model_id and active != holder.refused_id):
            _load_active(holder, active)
        holder.checked_at = time.monotonic()
        return holder.model or builtin_model()  # _load_active always leaves one


def _load_active(holder: _Holder, active: int | None) -> None:
    row = _active_row() if active is not None else None
    if row is None:
        holder.model, holder.model_id = builtin_model(), None
        return
    try:
        holder.model, holder.model_id = load(row[1], row[2]), row[0]
    except (ValueError, pickle.UnpicklingError, zlib.error, EOFError, AttributeError):
        holder.refused_id = row[0]
        kept = "the built-in one" if holder.model_id is None else f"#{holder.model_id}"
        log.warning("detector model #%s cannot be loaded; still using %s", row[0], kept)
        if holder.model is None:
            holder.model, holder.model_id = builtin_model(), None


def reset_model() -> None:
    """Forget the process-wide model (tests, and after train_detector in this process)."""
    _holder.model = None
    _holder.model_id = None
    _holder.refused_id = None
    _holder.checked_at = float("-inf")
