"""gunicorn as bin/serve runs it keeps answering /healthz while heavy batches come in.

Issue 11: eight anonymous batches of a thousand "http://xn--a-a-…" values made /healthz time out
for two minutes (345 s of CPU each, in a regex that held the GIL). Now the parsers are linear,
each batch stops at its CPU budget (a 503), and gunicorn kills a worker that stops heart-beating
for CANHGIAC_WEB_TIMEOUT seconds.
"""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _unused_port() -> int:
    """A port the kernel has just handed out and nothing holds: the SQLite and PostgreSQL legs
    of .ci/run run side by side, so a fixed port would be taken by the other one."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


PORT = _unused_port()
BASE = f"http://127.0.0.1:{PORT}"
HEAVY = ("http://xn--" + "a-" * 1100)[:2048]

pytestmark = pytest.mark.real_service


def _status(request: urllib.request.Request | str, timeout: float) -> int:
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (loopback)
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    var = tmp_path_factory.mktemp("var")
    env = {**os.environ, "CANHGIAC_VAR_DIR": str(var), "CANHGIAC_HTTPS": "0"}
    env.pop("DATABASE_URL", None)
    env |= {"CANHGIAC_DEBUG": "0", "CANHGIAC_LOG_LEVEL": "WARNING", "CANHGIAC_WEB_TIMEOUT": "10"}
    for args in (["migrate", "--noinput", "-v0"], ["createcachetable"]):
        subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, timeout=600
        )
    command = [
        str(ROOT / ".venv/bin/gunicorn"), "canhgiac.wsgi:application",
        "-c", "python:canhgiac.gunicorn_conf", "--bind", f"127.0.0.1:{PORT}", "--workers", "2",
        "--log-level", "warning",
    ]  # fmt: skip
    proc = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if _status(f"{BASE}/healthz", timeout=5) == 200:
                    break
            except OSError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.5)
        yield proc
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _batch() -> tuple[int, float]:
    body = json.dumps({"values": [HEAVY] * 1000}).encode()
    request = urllib.request.Request(
        f"{BASE}/api/lookup/check-batch",
        data=body,
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    start = time.monotonic()
    return _status(request, timeout=120), time.monotonic() - start


def test_healthz_answers_while_eight_heavy_batches_are_sent(server):
    with ThreadPoolExecutor(max_workers=8) as pool:
        batches = [pool.submit(_batch) for _ in range(8)]
        waits = []
        while not all(b.done() for b in batches):
            start = time.monotonic()
            assert _status(f"{BASE}/healthz", timeout=30) == 200
            waits.append(time.monotonic() - start)
            time.sleep(0.5)
        answers = [b.result() for b in batches]
    # Each batch ends with its verdicts or, over its 2 s CPU budget, a 503; none hangs.
    assert {status for status, _ in answers} <= {200, 503}, answers
    assert max(seconds for _, seconds in answers) < 60, answers
    # Eight batches fill the 2 x 4 threads, so a health check may wait for the first batch to
    # reach its budget (2 s of CPU, ~4 times that in wall time with four threads on one GIL, more
    # on a busy machine): seconds, where it was minutes.
    assert waits and max(waits) < 40, waits
    assert server.poll() is None
