"""CANHGIAC_REQUIRE_REAL=1 (CI) turns the skip of a test that needs a real part into a failure:
a browser test (through `page` or `browser` directly), a test of a marked real service, a test
that reads a missing ../shared/data file; any other skip stays a skip. Shown by running pytest
on a small test file in a subprocess, with the project's conftest.py as a plugin."""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SAMPLE_TESTS = """
import pytest

from lib.shared_data import shared_file


def test_uses_the_browser_fixture_directly(browser):
    pass


def test_uses_a_page(page):
    pass


@pytest.mark.real_service
def test_needs_a_service():
    pytest.skip("unbound not found")


def test_reads_shared_data():
    if shared_file("sms/vi_sms_dev.csv") is None:
        pytest.skip("the real SMS are not on this machine")


def test_reads_shared_data_by_its_own_path():
    pytest.skip("../shared/data/tranco/tranco_top_50k.csv is not here")


def test_skips_for_another_reason():
    pytest.skip("SQLite settings only")
"""


# The project's conftest.py, as the conftest of the sample's folder (a conftest's fixtures
# override the plugins' ones, as browser_type_launch_args must).
SAMPLE_CONFTEST = f"""
import importlib.util

_spec = importlib.util.spec_from_file_location("project_conftest", {str(ROOT / "conftest.py")!r})
_module = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_module)
globals().update({{k: v for k, v in vars(_module).items() if not k.startswith("__")}})
"""


def _run(tmp_path: Path, *, require_real: bool) -> dict[str, str]:
    (tmp_path / "test_sample.py").write_text(SAMPLE_TESTS, encoding="utf-8")
    (tmp_path / "conftest.py").write_text(SAMPLE_CONFTEST, encoding="utf-8")
    env = {
        **os.environ,
        "CANHGIAC_CHROMIUM": str(tmp_path / "no-chromium"),  # as on a machine without it
        "CANHGIAC_SHARED_DATA": str(tmp_path / "no-shared-data"),
        "CANHGIAC_REQUIRE_REAL": "1" if require_real else "0",
        "PYTHONPATH": str(ROOT),
    }
    command = [sys.executable, "-m", "pytest", str(tmp_path / "test_sample.py"), "-v"]
    command += ["-c", str(ROOT / "pyproject.toml"), "-p", "no:randomly"]
    done = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    # "test_sample.py::test_uses_a_page[chromium] ERROR": a failure in set-up is an error.
    line = re.compile(r"::(\w+)(?:\[\w+\])? (PASSED|FAILED|SKIPPED|ERROR)\b")
    outcomes = dict(line.findall(done.stdout))
    assert len(outcomes) == 6, done.stdout + done.stderr
    return outcomes


def test_without_require_real_every_missing_part_is_a_skip(tmp_path):
    assert set(_run(tmp_path, require_real=False).values()) == {"SKIPPED"}


def test_require_real_fails_each_skip_of_a_real_part_and_keeps_other_skips(tmp_path):
    assert _run(tmp_path, require_real=True) == {
        "test_uses_the_browser_fixture_directly": "ERROR",  # Chromium is missing at set-up
        "test_uses_a_page": "ERROR",
        "test_needs_a_service": "FAILED",
        "test_reads_shared_data": "FAILED",
        "test_reads_shared_data_by_its_own_path": "FAILED",
        "test_skips_for_another_reason": "SKIPPED",
    }
