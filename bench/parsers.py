"""How the public parsers, normalisers and analysers grow on worst-case inputs, on one core.

    .venv/bin/python bench/parsers.py [--rounds 3] [--only refang,extract]

For each function and each worst case of indicators/tests/test_adversarial.py ("a-" x N,
"." x N, "%25" x N, mixed scripts, unordered combining marks, ...), the CPU time of one call
(best of --rounds, time.thread_time) at N = 1,000, 2,000, 4,000 and 8,000 characters, and the
growth per doubling (2 for linear, 4 for quadratic). Values over 2,048 characters are refused by
the normalisers and messages are cut at 5,000 by the analysis: those are timed at the sizes they
accept (N/4 and N/2 of the same cases). Functools caches are emptied before each call. A
throw-away SQLite database in a temporary directory holds the active-model row the analysis
reads. Prints one line per function and case that is slow or grows, the worst of each function,
and ends with RESULT worst_ms=... worst_ratio=... (over every function and case; ratios of
calls under a millisecond are left out, being timer noise).
"""

import argparse
import os
import sys
import tempfile
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SIZES = (1000, 2000, 4000, 8000)
NOISE_S = 0.001


def _one_core() -> str:
    if hasattr(os, "sched_setaffinity"):
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        return f"pinned to CPU {cpu}"
    return "not pinned (no sched_setaffinity)"


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "canhgiac.settings")
    os.environ.setdefault("CANHGIAC_HTTPS", "0")
    os.environ["CANHGIAC_VAR_DIR"] = tempfile.mkdtemp(prefix="canhgiac-bench-")
    os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _functions() -> list[tuple[str, object, int]]:
    """(name, function, largest input it takes whole)."""
    from detection import lookalike
    from detection.analysis import analyse_message
    from detection.classifier import get_model
    from detection.rules import evaluate
    from detection.text import MAX_MESSAGE_CHARS, clean, fold
    from indicators import urlcanon
    from indicators.extract import extract
    from indicators.kinds import Kind
    from indicators.matcher import MatcherIndex
    from indicators.normalise import MAX_LENGTH, guess_kind, normalise, normalise_any
    from indicators.tests.growth import uncached
    from lookup.verdicts import check_many, check_value

    caches = (urlcanon.public_suffix, lookalike.segment, lookalike._score_host)
    model, empty = get_model(), MatcherIndex([])
    whole = [
        ("refang", urlcanon.refang),
        ("refang_with_map", urlcanon.refang_with_map),
        ("refang_url", urlcanon.refang_url),
        ("canonicalize", urlcanon.canonicalize),
        ("url_expressions", urlcanon.url_expressions),
        ("registrable_domain", urlcanon.registrable_domain),
        ("extract", extract),
        ("rules.evaluate", lambda text: evaluate(fold(text))),
        ("fold", fold),
        ("clean", clean),
        ("score_host", lookalike.score_host),
        ("score_domain", lookalike.score_domain),
        ("score_url", lookalike.score_url),
    ]
    values = [("normalise_any", normalise_any), ("guess_kind", guess_kind)]
    values += [(f"normalise[{kind.value}]", partial(normalise, kind)) for kind in Kind]
    values += [("check_value", partial(check_value, index=empty))]
    values += [("check_many (10 copies)", lambda v: check_many([v] * 10, index=empty))]
    analysis = partial(analyse_message, matcher=empty, model=model)
    table = [(name, func, SIZES[-1]) for name, func in whole]
    table += [(name, func, MAX_LENGTH) for name, func in values]
    table += [("analyse_message", analysis, MAX_MESSAGE_CHARS)]
    return [(name, uncached(func, *caches), largest) for name, func, largest in table]


def _sizes(largest: int) -> tuple[int, ...]:
    if largest >= SIZES[-1]:
        return SIZES
    top = 2000 if largest >= 2000 else largest
    return tuple(top // 8 * 2**i for i in range(4))  # 250 .. 2000


def _measure(func, unit: str, prefix: str, sizes: tuple[int, ...], rounds: int):
    """Times per size and the largest growth per doubling; a growth over 2.6 is measured
    twice more and the smallest kept, so that one busy moment of the machine is not reported."""
    from indicators.tests.growth import cpu_time, worst

    best: tuple[list[float], float] | None = None
    for _ in range(3):
        times = [cpu_time(func, worst(unit, n, prefix=prefix), rounds=rounds) for n in sizes]
        pairs = zip(times, times[1:], strict=False)
        ratio = max((b / a for a, b in pairs if b >= NOISE_S and a > 0), default=0.0)
        if best is None or ratio < best[1]:
            best = (times, ratio)
        if ratio <= 2.6:
            break
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", default="", help="comma-separated function names")
    args = parser.parse_args()
    pinned = _one_core()
    _setup()
    from indicators.tests.test_adversarial import UNITS

    cases = [*UNITS, ("unordered marks", "\u0302\u0323", "e")]
    only = {name for name in args.only.split(",") if name}
    print(f"{pinned}; best of {args.rounds}; times in ms; growth = time(2N) / time(N)")
    worst_ms, worst_ratio, worst_where = 0.0, 0.0, ""
    for name, func, largest in _functions():
        if only and name not in only:
            continue
        sizes = _sizes(largest)
        own_ms, own_ratio, own_case = 0.0, 0.0, ""
        for case, unit, prefix in cases:
            times, ratio = _measure(func, unit, prefix, sizes, args.rounds)
            if max(times) > 0.02 or ratio > 2.6:
                shown = " ".join(f"{t * 1000:8.2f}" for t in times)
                print(f"  {name:24} {case:24} {shown}   x{ratio:.1f}")
            if max(times) * 1000 > own_ms:
                own_ms = max(times) * 1000
            if ratio > own_ratio:
                own_ratio, own_case = ratio, case
        print(f"{name:26} N={sizes[0]}..{sizes[-1]}: slowest {own_ms:8.2f} ms, "
              f"growth up to x{own_ratio:.1f} ({own_case or '-'})", flush=True)  # fmt: skip
        worst_ms = max(worst_ms, own_ms)
        if own_ratio > worst_ratio:
            worst_ratio, worst_where = own_ratio, f"{name} on {own_case}"
    print(f"worst growth: {worst_where}")
    print(f"RESULT worst_ms={worst_ms:.2f} worst_ratio={worst_ratio:.2f}")


if __name__ == "__main__":
    main()
