"""How long the analysis of one pasted message takes, on one core.

    .venv/bin/python bench/detection.py [--rounds 3]

Runs detection.analysis.analyse_message (indicator extraction, list lookups in the in-memory
matcher, look-alike scoring, rules, classifier, reasons and advice) over the seed corpus and,
when ../shared/data is present, the real SMS of sms/vi_sms_dev.csv (read for timing only). The
model and the matcher are built before timing starts, as in a running server. A throw-away
SQLite database in a temporary directory is used. Prints figures and ends with
RESULT ms_per_message=... messages=...
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

    timings: list[float] = []
    for _ in range(args.rounds):
        for text in texts:
            t0 = time.perf_counter()
            analyse_message(text)
            timings.append(time.perf_counter() - t0)
    ms = [1000 * t for t in timings]
    ms.sort()
    mean = statistics.fmean(ms)
    print(f"messages: {source}, {args.rounds} rounds, {pinned}")
    print(f"model, matcher and warm-up: {warm:.2f} s")
    print(
        f"per message: mean {mean:.3f} ms, median {statistics.median(ms):.3f} ms, "
        f"p95 {ms[int(0.95 * (len(ms) - 1))]:.3f} ms, max {ms[-1]:.3f} ms"
    )
    print(f"RESULT ms_per_message={mean:.3f} messages={len(ms)}")


if __name__ == "__main__":
    main()
