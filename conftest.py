"""Suite-wide fixtures: the shared test world, real Chromium, and CANHGIAC_REQUIRE_REAL."""

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

# Hypothesis's default deadline (200 ms an example) times the machine, not the code: on two cores
# shared with other jobs (CI, or a developer's build) a slow example fails a correct property.
# No deadline; speed is what bench/ and the explicit timing tests measure.
hypothesis_settings.register_profile("canhgiac", deadline=None)
hypothesis_settings.load_profile("canhgiac")

REQUIRE_REAL = os.environ.get("CANHGIAC_REQUIRE_REAL") == "1"
REAL_MARKERS = ("browser", "postgres_only", "real_service")
CHROMIUM = os.environ.get("CANHGIAC_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
REDIS_PORTS = range(18200, 18300)  # for a redis-server of the tests' own; 6379 may be in use


def pytest_collection_modifyitems(config, items):
    for item in items:
        # fixturenames is the whole closure: `page`, `context` and `browser` all reach the
        # fixture that skips without Chromium, whichever of them a test asks for.
        fixtures = getattr(item, "fixturenames", ())
        if "page" in fixtures or "browser_type_launch_args" in fixtures:
            item.add_marker(pytest.mark.browser)
        if "redis_url" in fixtures:
            item.add_marker(pytest.mark.real_service)


_MISSES_BEFORE = pytest.StashKey[int]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item):
    # Only CANHGIAC_REQUIRE_REAL reads the count (pytest_runtest_makereport below).
    if REQUIRE_REAL:
        from lib import shared_data

        item.stash[_MISSES_BEFORE] = len(shared_data.MISSING)
    return (yield)


def _skipped_for_shared_data(item, reason: str) -> bool:
    """The test asked lib.shared_data for a file that is absent, or its skip names
    ../shared/data or such a file (a module-scoped fixture that skipped once)."""
    from lib import shared_data

    if len(shared_data.MISSING) > item.stash.get(_MISSES_BEFORE, len(shared_data.MISSING)):
        return True
    named = ("../shared/data", str(shared_data.SHARED_DATA), *set(shared_data.MISSING))
    return any(part in reason for part in named)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Under CANHGIAC_REQUIRE_REAL=1 (CI), a skipped test that needs a real component (a marker
    above, or a file of ../shared/data) fails."""
    outcome = yield
    report = outcome.get_result()
    if not (REQUIRE_REAL and report.skipped) or hasattr(report, "wasxfail"):
        return
    reason = str(report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr)
    if any(item.get_closest_marker(m) for m in REAL_MARKERS) or _skipped_for_shared_data(
        item, reason
    ):
        report.outcome = "failed"
        report.longrepr = f"CANHGIAC_REQUIRE_REAL=1: a real-component test was skipped: {reason}"


@pytest.fixture(scope="session", autouse=True)
def _quick_password_hashing():
    """Argon2 at its lowest cost in this process (orgs.testing.QuickArgon2PasswordHasher);
    servers the tests start as programs keep the site's own cost, and check these hashes."""
    from django.test.utils import override_settings

    with override_settings(PASSWORD_HASHERS=["orgs.testing.QuickArgon2PasswordHasher"]):
        yield


@pytest.fixture(autouse=True)
def _vietnamese():
    """Every test starts in Vietnamese: a request of an earlier test may have left another
    language active in this thread."""
    from django.utils import translation

    with translation.override("vi"):
        yield


@pytest.fixture
def audit_flushable(transactional_db):
    """For transactional tests that write audit events: SQLite's flush after the test deletes
    rows, which the append-only triggers refuse; empty the audit table first."""
    yield
    from reports.testing import clear_audit_log_for_flush

    clear_audit_log_for_flush()


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


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on loopback (aiosmtpd); Django's SMTP backend sends to it.
    Yields the list of received messages (email.message.EmailMessage)."""
    from email import message_from_bytes, policy

    from aiosmtpd.controller import Controller

    received = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            msg = message_from_bytes(envelope.content, policy=policy.default)
            msg["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
            received.append(msg)
            return "250 OK"

    # aiosmtpd checks it is up by connecting to its own port, so it needs a real one, not 0.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    try:
        yield received
    finally:
        controller.stop()


@pytest.fixture
def immediate_tasks(settings):
    """Run enqueued tasks at once, in the test (the real worker is tested separately)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def _free_port(ports: range) -> int:
    for port in ports:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    pytest.skip(f"no free port in {ports.start}-{ports.stop - 1} for redis-server")


def _redis_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@pytest.fixture(scope="session")
def redis_url():
    """A real Redis of the tests' own (each test empties it): CANHGIAC_TEST_REDIS_URL, which
    .ci/run sets, or else a redis-server started here for the session on a loopback port."""
    url = os.environ.get("CANHGIAC_TEST_REDIS_URL")
    if url:
        yield url
        return
    if not Path(REDIS_SERVER).exists():
        pytest.skip("redis-server not found: apt-get install redis-server")
    port = _free_port(REDIS_PORTS)
    args = ["--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    server = subprocess.Popen([REDIS_SERVER, *args], stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while not _redis_answers(port):
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"redis-server did not start on port {port}")
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def redis_cache(settings, redis_url):
    """Django's default cache on the real Redis (RedisCache, as with REDIS_URL), emptied."""
    from django.core.cache import caches

    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}
    }
    cache = caches["default"]
    cache.clear()
    yield cache
    cache.clear()
