"""The folds of evaluate_detector --cv are the same from one run to the next, so that the
figures it prints can be compared between two versions of the detector."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
COMMON = " ".join(f"tu{letter}" for letter in "abcdefghijklmnop")
# A and B are not near-duplicates of each other, C is one of both: the three are one group,
# joined in an order that follows string hashing.
TEXTS = [
    COMMON + " alpha beta gamma delta epsilon zeta",
    "kilo lima mike november oscar papa " + COMMON,
    "november oscar papa " + COMMON + " alpha beta gamma",
]
SCRIPT = f"from detection.folds import template_groups; print(template_groups({TEXTS!r}))"


def _groups_with_hash_seed(seed: int) -> str:
    env = {**os.environ, "PYTHONHASHSEED": str(seed)}
    done = subprocess.run(  # noqa: S603 (our own interpreter and script)
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def test_a_group_is_named_after_its_first_text_whatever_the_string_hashing():
    assert {_groups_with_hash_seed(seed) for seed in range(1, 9)} == {"[0, 0, 0]"}
