"""gunicorn's workers share connections that arrive together (canhgiac/gunicorn_worker.py).

Before, the first worker to wake accepted every connection of a burst and kept them alive, so
one process served them all while the others sat idle (bench/drills.py: one worker at 100%
CPU, three at 0%). Real processes here: gunicorn as bin/serve configures it, four workers of
one thread, and clients that keep their connections."""

import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from canhgiac.tests.test_gunicorn_preload import _until, _workers
from canhgiac.tests.test_run import free_port

ROOT = Path(__file__).resolve().parents[2]
WORKERS, CLIENTS = 4, 8

pytestmark = pytest.mark.real_service


def _get(sock: socket.socket) -> bytes:
    """One kept-alive GET /healthz on sock; the answer's status line."""
    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    return _answer(sock)


def _answer(sock: socket.socket) -> bytes:
    """Read one answer (headers and a Content-Length body); its status line."""
    answer = b""
    while b"\r\n\r\n" not in answer:
        chunk = sock.recv(4096)
        assert chunk, "the server closed the connection"
        answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    while len(body) < length:
        body += sock.recv(4096)
    return head.split(b"\r\n", 1)[0]


def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    return inodes


def _connections_per_worker(master: int, port: int) -> Counter[int]:
    """How many established connections to `port` each worker holds (/proc/net/tcp)."""
    established = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local_port = int(fields[1].rsplit(":", 1)[1], 16)
        if local_port == port and fields[3] == "01":  # 01: ESTABLISHED
            established.add(fields[9])
    return Counter({pid: len(_socket_inodes(pid) & established) for pid in _workers(master)})


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    var = tmp_path_factory.mktemp("var")
    env = {**os.environ, "CANHGIAC_VAR_DIR": str(var), "CANHGIAC_HTTPS": "0"}
    env.pop("DATABASE_URL", None)
    env |= {"CANHGIAC_LOG_LEVEL": "WARNING", "CANHGIAC_WEB_THREADS": "1"}
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=ROOT, env=env, check=True, timeout=600,
    )  # fmt: skip
    port = free_port()
    command = [
        str(ROOT / ".venv/bin/gunicorn"), "canhgiac.wsgi:application",
        "-c", "python:canhgiac.gunicorn_conf", "--bind", f"127.0.0.1:{port}",
        "--workers", str(WORKERS), "--log-level", "warning",
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    try:
        _until(lambda: len(_workers(process.pid)) == WORKERS)
        time.sleep(0.5)  # the last forked worker reaches its accept loop
        yield process.pid, port
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def test_a_worker_whose_thread_is_busy_leaves_new_connections_to_the_others(server):
    master, port = server
    socks = []
    try:
        for count in range(1, WORKERS + 1):
            sock = socket.create_connection(("127.0.0.1", port), timeout=20)
            # Half a request: the thread that takes it waits for the rest, busy.
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            socks.append(sock)
            _until(lambda n=count: sum(_connections_per_worker(master, port).values()) == n, 30)
        held = _connections_per_worker(master, port)
        # One thread each: a worker whose thread has a request stops taking connections, so
        # each connection went to a worker of its own (gunicorn's own gthread worker takes
        # them while its thread is busy and queues their requests behind the first).
        assert sorted(held.values()) == [1] * WORKERS, held
        for sock in socks:
            sock.sendall(b"\r\n")
            assert _answer(sock) == b"HTTP/1.1 200 OK"
    finally:
        for sock in socks:
            sock.close()


def test_connections_that_arrive_together_go_to_several_workers(server):
    master, port = server

    def client(_: int) -> socket.socket:
        sock = socket.create_connection(("127.0.0.1", port), timeout=20)
        assert _get(sock) == b"HTTP/1.1 200 OK"
        return sock

    with ThreadPoolExecutor(CLIENTS) as pool:
        socks = list(pool.map(client, range(CLIENTS)))
    try:
        held = _connections_per_worker(master, port)
        assert sum(held.values()) == CLIENTS, held
        # How many each holds depends on how fast each was (a loaded machine lets one worker
        # finish several requests while another starts): at least two share them.
        assert len([pid for pid, count in held.items() if count]) >= 2, held
        # The connections are still kept alive and answer a second request each.
        for sock in socks:
            assert _get(sock) == b"HTTP/1.1 200 OK"
    finally:
        for sock in socks:
            sock.close()
