"""Suite-wide fixtures: the shared test world, real Chromium, and CANHGIAC_REQUIRE_REAL."""

import os
import shutil
from pathlib import Path

import pytest

REQUIRE_REAL = os.environ.get("CANHGIAC_REQUIRE_REAL") == "1"
REAL_MARKERS = ("browser", "postgres_only", "real_service")
CHROMIUM = os.environ.get("CANHGIAC_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "page" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Under CANHGIAC_REQUIRE_REAL=1 (CI), a skipped test that needs a real component fails."""
    outcome = yield
    report = outcome.get_result()
    if REQUIRE_REAL and report.skipped and any(item.get_closest_marker(m) for m in REAL_MARKERS):
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.longrepr = f"CANHGIAC_REQUIRE_REAL=1: a real-component test was skipped: {reason}"


@pytest.fixture
def world(db):
    from orgs.testing import build_world

    return build_world()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}: apt-get install chromium")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """A cheap phone: 360 px wide, Vietnamese first."""
    return {
        **browser_context_args,
        "viewport": {"width": 360, "height": 740},
        "locale": "vi-VN",
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
    }


@pytest.fixture
def console_errors(page):
    """Every console error and uncaught page error (CSP violations included) seen by `page`."""
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors
