"""How long the analysis of one pasted message takes, on one core.

    .venv/bin/python bench/detection.py [--rounds 3]

Runs detection.analysis.analyse_message (indicator extraction, list lookups in the in-memory
matcher, look-alike scoring, rules, classifier, reasons and advice) over the seed corpus and,
when ../shared/data is present, the real SMS of sms/vi_sms_dev.csv (read for timing only). The
model and the matcher are built before timing starts, as in a running server. A throw-away
SQLite database in a temporary directory is used.

With the real SMS present, two more figures (issue 13), skipped with a note without them:
- analyse_ms: the same timing with the larger model, trained in memory (never saved) by
  calibration.fit_detector on the seed corpus plus every row of vi_sms_dev.csv;
- train_3000_s: fit_detector (the classifier, and the out-of-fold choice of its risk levels, as
  train_detector runs it) on 3,000 messages: the seed corpus and the real SMS, repeated with a
  changed number to make up the count.
Targets: analyse_ms < 5 and train_3000_s < 60 on one core. Wall times, as a server would see
them on an idle core; the *_cpu_* keys give this process' CPU time, the fair figure when other
processes share the machine.

Ends with RESULT ms_per_message=... messages=...
[analyse_ms=... analyse_cpu_ms=... train_3000_s=... train_3000_cpu_s=...]
"""

import argparse
import csv
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _one_core() -> str:
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(name, "1")
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


def _messages() -> tuple[list[str], str]:
    from detection.classifier import SEED_CORPUS
    from lib.shared_data import shared_file

    with SEED_CORPUS.open(encoding="utf-8", newline="") as handle:
        texts = [row["content"] for row in csv.DictReader(handle)]
    source = f"seed corpus ({len(texts)})"
    real = shared_file("sms/vi_sms_dev.csv")
    if real is not None:
        with real.open(encoding="utf-8", newline="") as handle:
            sms = [row["content"] for row in csv.DictReader(handle)]
        texts += sms
        source += f" + real SMS ({len(sms)})"
    return texts, source


def _examples():
    from detection.classifier import Example, load_seed
    from detection.evaluation import read_messages
    from lib.shared_data import shared_file

    real = shared_file("sms/vi_sms_dev.csv")
    if real is None:
        return None
    rows = read_messages(real)
    return load_seed() + [Example(r.content, r.label, "file", r.sender_type or "") for r in rows]


def _timed(texts: list[str], rounds: int, **kwargs) -> tuple[list[float], float]:
    """Wall milliseconds of each analysis (sorted), and the mean CPU milliseconds of this
    thread: on a shared machine the wall time also counts the time other processes held the
    core, the CPU time only this analysis' work."""
    from detection.analysis import analyse_message

    timings: list[float] = []
    cpu_started = time.thread_time()
    for _ in range(rounds):
        for text in texts:
            t0 = time.perf_counter()
            analyse_message(text, **kwargs)
            timings.append(1000 * (time.perf_counter() - t0))
    cpu_ms = 1000 * (time.thread_time() - cpu_started) / max(len(timings), 1)
    return sorted(timings), cpu_ms


def _summary(ms: list[float]) -> str:
    return (
        f"mean {statistics.fmean(ms):.3f} ms, median {statistics.median(ms):.3f} ms, "
        f"p95 {ms[int(0.95 * (len(ms) - 1))]:.3f} ms, max {ms[-1]:.3f} ms"
    )


def _larger_model(texts: list[str], rounds: int) -> str:
    """The issue 13 figures (see the module's docstring), as RESULT keys."""
    from dataclasses import replace

    from detection.calibration import fit_detector

    examples = _examples()
    if examples is None:
        print("larger model: skipped, ../shared/data/sms/vi_sms_dev.csv is absent")
        return ""
    started = time.perf_counter()
    model = fit_detector(examples)
    print(f"larger model: trained in memory on {len(examples)} messages in "
          f"{time.perf_counter() - started:.1f} s (never saved)")  # fmt: skip
    ms, cpu_ms = _timed(texts, rounds, model=model)
    print(f"per message with the larger model: {_summary(ms)}; CPU {cpu_ms:.3f} ms")
    more = [
        replace(e, content=f"{e.content} {n}")
        for n in range(1, 3)
        for e in examples  # the same messages, another number: more rows, same templates
    ]
    three_thousand = (examples + more)[:3000]
    started, cpu_started = time.perf_counter(), time.thread_time()
    fit_detector(three_thousand)
    train_s = time.perf_counter() - started
    train_cpu = time.thread_time() - cpu_started
    print(
        f"training (fit_detector) on {len(three_thousand)} messages: {train_s:.1f} s "
        f"(CPU {train_cpu:.1f} s)"
    )
    return (
        f" analyse_ms={statistics.fmean(ms):.3f} analyse_cpu_ms={cpu_ms:.3f}"
        f" train_3000_s={train_s:.2f} train_3000_cpu_s={train_cpu:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    pinned = _one_core()
    _setup()
    from detection.analysis import analyse_message
    from detection.classifier import get_model
    from indicators.matcher import get_matcher

    texts, source = _messages()
    started = time.perf_counter()
    get_model()
    get_matcher()
    for text in texts[:50]:
        analyse_message(text)  # warm the caches a server would have warm
    warm = time.perf_counter() - started

    ms, cpu_ms = _timed(texts, args.rounds)
    mean = statistics.fmean(ms)
    print(f"messages: {source}, {args.rounds} rounds, {pinned}")
    print(f"load average when starting: {os.getloadavg()[0]:.1f} (wall times include others)")
    print(f"model, matcher and warm-up: {warm:.2f} s")
    print(f"per message: {_summary(ms)}; CPU {cpu_ms:.3f} ms")
    extra = _larger_model(texts, args.rounds)
    print(f"RESULT ms_per_message={mean:.3f} messages={len(ms)}{extra}")


if __name__ == "__main__":
    main()
