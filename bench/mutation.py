"""Mutation run (issue 15, point 7): do the tests notice when the rules they guard change?

mutmut 3 changes the code one small edit at a time (`>=` to `>`, `and` to `or`, a constant, a
dropped argument, ...) and runs the tests that reach the changed function; a mutant that no
test notices "survives" and points at a gap in the tests. The modules and functions:

    orgs.access            orgs/access.py, whole module        orgs/tests/test_access*.py
    reports.workflow       reports/workflow.py, whole module   reports/tests/test_workflow*.py ...
    reports.submission     submitting with idempotency keys    reports/tests/test_submission*.py ...
    reports.services       filing into cases only              reports/tests/test_filing*.py ...
    training.services      quiz grading only                   training/tests/test_attempts*.py ...
    lookup.verdicts        lookup/verdicts.py, whole module    lookup/tests/test_verdict*.py ...

Each target runs against the tests of its own app only (the files above, globbed at run time so
that the `test_<module>_mutants.py` files are included), in its own copy of the working tree
under --workdir (default /tmp/canhgiac-mutation): mutmut writes its mutants into `mutants/` of
the current directory, so the run never writes into the project. The copy is taken afresh each
run; the virtualenv of the project is used as it is.

    .venv/bin/python bench/mutation.py [--only orgs.access ...] [--children 2]

How long: one mutant at a time (they share one test database, see _configure); measured on the
shared 2-core machine at a load of 8 to 13: orgs.access 74 mutants in 4 min, training.services
118 in 5 min, reports.submission 144 in 11 min, reports.services 155 in 11 min, lookup.verdicts
474 in 15 to 20 min, reports.workflow 963 mutants in about 2 hours (--minutes N stops each
target after N minutes and counts only the mutants tested by then, the cheapest first).

Prints each surviving mutant (file, line, the change) and ends with
`RESULT mutants=… survived=… survived_pct=…`; exits non-zero above --max-survived-pct (10).
Mutants that no selected test reaches ("no tests") count as survivors; a timeout counts as
killed (the change made the tests hang, so they noticed) and is counted apart (timeouts=).
"""

from __future__ import annotations

import argparse
import ast
import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MUTMUT = Path(sys.executable).with_name("mutmut")
# Never copied: the virtualenv (used in place), local state, caches, an earlier run's mutants.
SKIP = {
    ".git",
    ".venv",
    "var",
    "mutants",
    "__pycache__",
    ".mypy_cache",
    ".ruff_cache",
    "node_modules",
}
KILLED = {"killed", "timeout", "caught by type check", "segfault"}


@dataclass(frozen=True)
class Target:
    name: str  # the module, as mutmut names its mutants
    source: str
    tests: tuple[str, ...]  # globs, relative to the project
    # Only these functions (mutmut's mangled names: x_func, xǁClassǁmethod); empty: all.
    functions: tuple[str, ...] = ()


TARGETS = (
    Target("orgs.access", "orgs/access.py", ("orgs/tests/test_access*.py",)),
    Target(
        "reports.workflow",
        "reports/workflow.py",
        (
            "reports/tests/test_workflow*.py",
            "reports/tests/test_listing_level*.py",
            "reports/tests/test_appeals*.py",
        ),
    ),
    Target(
        "reports.submission",
        "reports/submission.py",
        (
            "reports/tests/test_submission*.py",
            "reports/tests/test_filing*.py",
            "reports/tests/test_api.py",
            "reports/tests/test_api_policy.py",
        ),
    ),
    Target(
        "reports.services",
        "reports/services.py",
        (
            "reports/tests/test_filing*.py",
            "reports/tests/test_submission*.py",
            "reports/tests/test_services_mutants.py",
        ),  # fmt: skip
        functions=(
            "x_file_report",
            "x__common_unit",
            "x__cases_by_indicator",
            "x_file_into_cases",
            "x__needs_reopening",
        ),
    ),
    Target(
        "training.services",
        "training/services.py",
        ("training/tests/test_attempts*.py", "training/tests/test_services_mutants.py"),
        functions=(
            "x_answers_from_post",
            "xǁGradedǁpercent",
            "x_grade",
            "x_submit_attempt",
            "x__graded_attempt",
        ),
    ),
    Target(
        "lookup.verdicts",
        "lookup/verdicts.py",
        (
            "lookup/tests/test_verdicts*.py",
            "lookup/tests/test_verdict_page.py",
            "lookup/tests/test_api.py",
            "lookup/tests/test_page.py",
        ),
    ),
)


@dataclass(frozen=True)
class Outcome:
    target: Target
    results: dict[str, tuple[str, str]]  # mutant name -> (mutmut's status, its diff)
    seconds: float
    dest: Path


def _copy_tree(dest: Path, *, base: str, overlay: list[str]) -> None:
    """The project as it is (base "worktree"), or as last committed (base "head") with the
    `test_*_mutants.py` files and the `overlay` paths of the working tree on top: while other
    work is half done in the tree, the committed one still imports."""
    if dest.resolve().is_relative_to(ROOT):
        sys.exit(f"--workdir must lie outside the project ({ROOT}): mutants are written there")
    if dest.exists():
        shutil.rmtree(dest)

    def ignore(_dir: str, names: list[str]) -> set[str]:
        return {n for n in names if n in SKIP or n.endswith(".pyc")}

    if base == "worktree":
        shutil.copytree(ROOT, dest, ignore=ignore)
    else:
        dest.mkdir(parents=True)
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", "HEAD"], capture_output=True, check=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
        extra = [*glob.glob("*/tests/test_*_mutants.py", root_dir=ROOT), *overlay]
        for rel in extra:
            if (ROOT / rel).is_dir():
                shutil.copytree(ROOT / rel, dest / rel, ignore=ignore, dirs_exist_ok=True)
            else:
                shutil.copy2(ROOT / rel, dest / rel)
    (dest / "var").mkdir(exist_ok=True)


def _toml_list(items: list[str]) -> str:
    return "[" + ", ".join(f'"{i}"' for i in items) + "]"


def _configure(dest: Path, target: Target) -> list[str]:
    """Append mutmut's settings for this target to the copy's pyproject.toml; the test files."""
    tests = sorted({p for pattern in target.tests for p in glob.glob(pattern, root_dir=ROOT)})
    also = sorted(p.name for p in dest.iterdir() if p.name not in {"var", "mutants"})
    config = f"""
[tool.mutmut]
source_paths = ["{target.source}"]
also_copy = {_toml_list(also)}
pytest_add_cli_args_test_selection = {_toml_list(tests)}
pytest_add_cli_args = ["-p", "no:randomly", "--reuse-db"]
use_git_change_detection = false
# The wording of messages (gettext) and log lines is not a rule of these modules; the wording
# is reviewed with the translation catalogue. Mutants of those lines are not made.
do_not_mutate_patterns = ['\\b_\\(\\s*"', '^\\s*log\\.']
"""
    with (dest / "pyproject.toml").open("a", encoding="utf-8") as fh:
        fh.write(config)
    # Each mutant's tests run in a fresh pytest session; migrating a new in-memory database
    # for every one of them would take most of the run. In the copy only: one SQLite test
    # database on disk, made by the first session and kept (--reuse-db); the tests roll back.
    test_db = dest / "var" / "mutation-tests.sqlite3"
    with (dest / "canhgiac" / "settings.py").open("a", encoding="utf-8") as fh:
        fh.write(f'\nDATABASES["default"]["TEST"] = {{"NAME": "{test_db}"}}\n')
    return tests


def _env() -> dict[str, str]:
    env = dict(os.environ)
    # SQLite in the copy: a PostgreSQL test database would be shared by the forked workers.
    env.pop("DATABASE_URL", None)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def _mutmut(dest: Path, *args: str, log: Path, minutes: float | None = None) -> bool:
    """Run mutmut in the copy; False when it was stopped at the time limit (the mutants tested
    by then keep their results: mutmut records each as it finishes)."""
    with log.open("w", encoding="utf-8") as out:
        # A session of its own, so that the time limit ends mutmut and its forked workers.
        proc = subprocess.Popen(
            [str(MUTMUT), *args], cwd=dest, env=_env(), stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        try:
            proc.wait(timeout=minutes * 60 if minutes else None)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            return False
    return True


# Run in the copy: every mutant's status, and the diff of those that were not killed (one
# process for all; `mutmut show` would start one per mutant).
_COLLECT = """
import json, sys
from pathlib import Path
from mutmut.mutation.data import SourceFileMutationData
from mutmut.mutation.diff_apply import get_diff_for_mutant
from mutmut.stats import status_by_exit_code
path = Path(sys.argv[1])
data = SourceFileMutationData(path=path)
data.load()
killed = set(sys.argv[2:])
out = {}
for name, code in data.exit_code_by_key.items():
    status = status_by_exit_code[code]
    out[name] = [status, "" if status in killed else get_diff_for_mutant(name, path=path)]
print(json.dumps(out))
"""


def _results(dest: Path, target: Target) -> dict[str, tuple[str, str]]:
    out = subprocess.run(
        [sys.executable, "-c", _COLLECT, target.source, *sorted(KILLED)],
        cwd=dest,
        env=_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode:
        return {}
    prefix = target.name + "."
    wanted = [f"{prefix}{fn}__mutmut_" for fn in target.functions] or [prefix]
    return {
        name: (status, diff)
        for name, (status, diff) in json.loads(out.stdout).items()
        if any(name.startswith(w) for w in wanted)
    }


def run_target(args: argparse.Namespace, target: Target) -> Outcome:
    dest = args.workdir / target.name
    started = time.monotonic()
    _copy_tree(dest, base=args.base, overlay=args.overlay)
    tests = _configure(dest, target)
    print(f"== {target.name}: {target.source} against {' '.join(tests)}", flush=True)
    names = [f"{target.name}.{fn}__mutmut_*" for fn in target.functions]
    log = dest / "mutmut-run.log"
    finished = _mutmut(
        dest, "run", "--max-children", str(args.children), *names, log=log, minutes=args.minutes
    )
    results = _results(dest, target)
    if not finished:
        # Stopped at --minutes: what was not tested yet is left out of the figures.
        untested = [n for n, (status, _) in results.items() if status == "not checked"]
        print(f"   stopped after {args.minutes:g} min: {len(untested)} mutants not tested")
        results = {n: r for n, r in results.items() if r[0] != "not checked"}
    if not results or all(status == "not checked" for status, _ in results.values()):
        tail = "\n".join(log.read_text(encoding="utf-8").splitlines()[-15:])
        sys.exit(f"{target.name}: mutmut tested nothing, see {log}:\n{tail}")
    return Outcome(target, results, time.monotonic() - started, dest)


def _function_start(source: str, mutant: str) -> int:
    """First line (decorators included) of the function a mutant changes: `x_name__mutmut_3`,
    `xǁClassǁname__mutmut_3`; 0 when not found."""
    mangled = mutant.rpartition(".")[2].rpartition("__mutmut_")[0]
    name = mangled.split("ǁ")[-1] if "ǁ" in mangled else mangled.removeprefix("x_")
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == name:
            return min([node.lineno, *(d.lineno for d in node.decorator_list)])
    return 0


def describe(dest: Path, target: Target, name: str, diff: str) -> tuple[int, str]:
    """`file:line  - old  + new` for one mutant, from mutmut's diff of its function (whose
    hunk header counts lines from the function's first line)."""
    lines = diff.splitlines()
    removed = [ln[1:].strip() for ln in lines if ln.startswith("-") and not ln.startswith("---")]
    added = [ln[1:].strip() for ln in lines if ln.startswith("+") and not ln.startswith("+++")]
    source = (dest / target.source).read_text(encoding="utf-8")
    line = start = _function_start(source, name)
    hunk = next((i for i, ln in enumerate(lines) if ln.startswith("@@")), None)
    if hunk is not None and start:
        first_old = int(lines[hunk].split()[1].lstrip("-").split(",")[0])
        body = lines[hunk + 1 :]
        context = next((i for i, ln in enumerate(body) if ln[:1] in "-+"), 0)
        line = start + first_old - 1 + context
    change = "  ".join([*(f"- {r}" for r in removed), *(f"+ {a}" for a in added)])
    return line, f"{target.source}:{line}  {change}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", default=[], help="target names (default: all)")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/canhgiac-mutation"))
    # One at a time by default: the mutants share one test database file (see _configure).
    parser.add_argument("--children", type=int, default=1, help="mutants tested at once")
    parser.add_argument("--max-survived-pct", type=float, default=10.0)
    parser.add_argument(
        "--minutes", type=float, default=None, help="stop each target after this long"
    )
    parser.add_argument(
        "--base", choices=["worktree", "head"], default="worktree", help="what to copy"
    )
    parser.add_argument(
        "--overlay", nargs="*", default=[], help="with --base head: paths taken from the tree"
    )
    args = parser.parse_args()
    if not MUTMUT.exists():
        sys.exit(f"{MUTMUT} is missing: pip install -e '.[dev]'")
    targets = [t for t in TARGETS if not args.only or t.name in args.only]
    started = time.monotonic()
    total = survived = timeouts = 0
    for target in targets:
        outcome = run_target(args, target)
        alive = sorted(n for n, (status, _) in outcome.results.items() if status not in KILLED)
        # Counted as killed, but shown: on a loaded machine a slow run can pass for a hang.
        hung = sum(status == "timeout" for status, _ in outcome.results.values())
        print(
            f"   {len(outcome.results)} mutants, {len(alive)} survived, {hung} timed out,"
            f" {outcome.seconds:.0f} s",
            flush=True,
        )
        described = []
        for name in alive:
            status, diff = outcome.results[name]
            line, where = describe(outcome.dest, target, name, diff)
            described.append((line, f"   SURVIVED [{status}] {name}\n      {where}"))
        for _line, text in sorted(described):
            print(text, flush=True)
        total += len(outcome.results)
        survived += len(alive)
        timeouts += hung
    pct = 100.0 * survived / total if total else 0.0
    print(f"total time {time.monotonic() - started:.0f} s")
    print(f"RESULT mutants={total} survived={survived} survived_pct={pct:.1f} timeouts={timeouts}")
    return 0 if pct <= args.max_survived_pct else 1


if __name__ == "__main__":
    raise SystemExit(main())
