"""Training a detector: the classifier, then how the analysis weighs it against the rules and
where its risk levels start, all chosen on the training messages only.

fit_detector(examples) trains the classifier on every example. When the examples hold enough
real labelled messages (not only the seed corpus the team wrote), it also fits the model's
Combiner from out-of-fold scores: the labelled messages are split into INNER_FOLDS template-
grouped folds (folds.py); a classifier trained on the seed corpus and the other folds scores
each fold through the whole analysis (rules, links, sender, classifier); then

"medium" starts at the lowest log-odds at which the out-of-fold "medium or high" verdicts
reach MEDIUM_PRECISION (see fit_combiner for why only that level).

Nothing here looks at a message the model will be scored on: evaluate_detector --cv calls
fit_detector on each fold's training part, train_detector on the training part of everything.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace

from indicators.matcher import MatcherIndex, get_matcher

from .analysis import Analysis, Evidence, analyse_message, combine
from .classifier import Combiner, Example, TrainedModel, fit
from .folds import grouped_folds

INNER_FOLDS = 3
# Below this many labelled messages (or scams among them), out-of-fold figures are too noisy to
# move the hand-set Combiner: the model keeps the defaults.
MIN_LABELLED = 100
MIN_SCAMS = 20
# What a "medium or high" verdict should promise on real messages: a little above the 0.92
# asked of the detector, since a threshold chosen at the edge on one sample lands below it on
# the next.
MEDIUM_PRECISION = 0.93

Progress = Callable[[str], None]


def _is_labelled(example: Example) -> bool:
    return example.source != "seed"


def out_of_fold_evidence(
    examples: Sequence[Example],
    *,
    k: int = INNER_FOLDS,
    matcher: MatcherIndex | None = None,
) -> list[tuple[Evidence, int]]:
    """(Evidence, label) for each labelled example, scored by a model that never saw its
    template group (the seed examples are always trained on)."""
    seed = [e for e in examples if not _is_labelled(e)]
    labelled = [e for e in examples if _is_labelled(e)]
    folds = grouped_folds([e.content for e in labelled], [e.label for e in labelled], k=k)
    scored: list[tuple[Evidence, int]] = []
    for _model, _trained_on, analysed in held_out(
        seed, labelled, folds, train=fit, matcher=matcher
    ):
        for example, analysis in analysed:
            assert analysis.evidence is not None
            scored.append((analysis.evidence, example.label))
    return scored


def held_out(
    seed: Sequence[Example],
    examples: Sequence[Example],
    folds: Sequence[Sequence[int]],
    *,
    train: Callable[[list[Example]], TrainedModel],
    matcher: MatcherIndex | None = None,
) -> Iterator[tuple[TrainedModel, int, list[tuple[Example, Analysis]]]]:
    """For each fold (indices into examples): the model trained on the seed and the other
    folds, how many examples it was trained on, and its analysis of each of the fold's
    examples. Shared by the inner folds here and evaluate_detector --cv."""
    matcher = get_matcher() if matcher is None else matcher
    for fold in folds:
        inside = set(fold)
        training = list(seed) + [e for i, e in enumerate(examples) if i not in inside]
        model = train(training)
        analysed = [
            (
                examples[i],
                analyse_message(
                    examples[i].content,
                    sender_type=examples[i].sender_type or None,
                    matcher=matcher,
                    model=model,
                ),
            )
            for i in fold
        ]
        yield model, len(training), analysed


def fit_combiner(scored: Sequence[tuple[Evidence, int]]) -> Combiner:
    """The Combiner that out-of-fold scores call for: the hand-set weights, with "medium"
    starting where the out-of-fold warnings reach MEDIUM_PRECISION.

    Measured with evaluate_detector --cv 5 on a real labelled file (see the report of issue
    13): a logistic regression over (logit, rules, reassurances) and a "high" threshold chosen
    the same way both did worse on the scored folds than the hand-set values (about a hundred
    scams in the training part make the top of the ranking too noisy to place "high" on), so
    only the "medium" threshold, which sits where many messages lie, is chosen."""
    default = Combiner()
    zs = [(combine(default, e)[0], y) for e, y in scored]
    z_medium = min(_lowest_threshold(zs, MEDIUM_PRECISION), default.z_high)
    return replace(default, z_medium=z_medium, fitted_on=len(scored))


def _lowest_threshold(zs: Sequence[tuple[float, int]], precision: float) -> float:
    """The lowest z at which the messages scored z or more are scams at least `precision` of
    the time (the highest scored one when no z is that good)."""
    ranked = sorted(zs, key=lambda item: -item[0])
    best = ranked[0][0] if ranked else math.inf
    scams = 0
    for count, (z, label) in enumerate(ranked, start=1):
        scams += label
        tied = count < len(ranked) and ranked[count][0] == z
        if not tied and scams / count >= precision:
            best = z
    return best


def fit_detector(
    examples: Sequence[Example],
    *,
    matcher: MatcherIndex | None = None,
    progress: Progress | None = None,
) -> TrainedModel:
    """A model trained on all examples, with its Combiner fitted on out-of-fold scores when
    enough of them are real labelled messages."""
    model = fit(examples)
    labelled = [e for e in examples if _is_labelled(e)]
    if len(labelled) < MIN_LABELLED or sum(e.label for e in labelled) < MIN_SCAMS:
        return model
    if progress:
        progress(f"  choosing the medium level on {len(labelled)} labelled messages")
    model.combiner = fit_combiner(out_of_fold_evidence(examples, matcher=matcher))
    return model
