"""Running a server on loopback for a benchmark and measuring its processes."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def bench_env(var_dir: Path) -> dict[str, str]:
    """What every server of a bench runs with: its own var folder, plain HTTP, quiet."""
    return {
        "CANHGIAC_VAR_DIR": str(var_dir),
        "CANHGIAC_HTTPS": "0",
        "CANHGIAC_DEBUG": "0",
        "CANHGIAC_LOG_LEVEL": "WARNING",
    }


def start_gunicorn(
    var_dir: Path,
    port: int = 0,
    *,
    env: dict[str, str],
    extra: list[str],
    sock: socket.socket | None = None,
) -> subprocess.Popen[bytes]:
    """gunicorn as bin/serve runs it (canhgiac/gunicorn_conf.py) on a fresh var folder, quiet,
    in its own session (stop() ends it and its workers); `extra` options (--workers,
    --threads, --timeout) come after the config file, so they win over its values. With
    `sock` (a listening socket this process bound, port 0), gunicorn serves that socket
    instead of binding `port` itself."""
    environment = {**os.environ, **bench_env(var_dir), **env}
    bind = f"fd://{sock.fileno()}" if sock else f"127.0.0.1:{port}"
    command = [
        str(ROOT / ".venv/bin/gunicorn"),
        "canhgiac.wsgi:application",
        "--config", "python:canhgiac.gunicorn_conf",
        *extra,
        "--bind", bind,
        "--log-level", "warning",
    ]  # fmt: skip
    return subprocess.Popen(
        command,
        cwd=ROOT,
        env=environment,
        pass_fds=(sock.fileno(),) if sock else (),
        start_new_session=True,
    )


def listening_socket() -> socket.socket:
    """A loopback socket on a free port, listening, that a child process may inherit."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(1024)
    sock.set_inheritable(True)
    return sock


def wait_for(
    url: str, timeout: float = 60, *, process: subprocess.Popen[bytes] | None = None
) -> None:
    """Until `url` answers 2xx; SystemExit after `timeout` s, or as soon as `process` (the
    server) has exited."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise SystemExit(f"the server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 (loopback)
                return
        except OSError:  # refused, or an HTTP error status
            time.sleep(0.2)
    raise SystemExit(f"{url} did not answer in {timeout:.0f} s")


def stop(process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    """SIGTERM the process's own session (gunicorn's graceful stop lets requests in flight
    finish; its workers too), SIGKILL if it lingers past `timeout` s."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    except ProcessLookupError:  # it had ended
        process.wait(timeout=10)


def free_port(wanted: int = 0) -> int:
    """`wanted` when free (0: any free loopback port)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", wanted))
        port: int = probe.getsockname()[1]
        return port


def free_ports(count: int, candidates: range) -> list[int]:
    """`count` free loopback ports from a bench's own range."""
    found = []
    for port in candidates:
        try:
            found.append(free_port(port))
        except OSError:
            continue
        if len(found) == count:
            return found
    raise SystemExit(f"no {count} free ports in {candidates.start}-{candidates.stop - 1}")


def fresh_postgres(url: str, suffix: str) -> str:
    """A new, empty database next to the one `url` names (dropped first if a run left it)."""
    from urllib.parse import urlparse, urlunparse

    import psycopg

    parsed = urlparse(url)
    name = f"{parsed.path.lstrip('/')}_{suffix}"
    admin = urlunparse(parsed._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunparse(parsed._replace(path=f"/{name}"))


def drop_postgres(url: str) -> None:
    """Drop the database `url` names (one fresh_postgres made), from the server's own."""
    from urllib.parse import urlparse, urlunparse

    import psycopg

    parsed = urlparse(url)
    admin = urlunparse(parsed._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{parsed.path.lstrip("/")}" WITH (FORCE)')


def _stat_fields(pid: int | str) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:  # the process ended
        return None


def worker_pids(master: int) -> list[int]:
    """The processes whose parent is `master` (gunicorn's workers)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if (
            entry.name.isdigit()
            and (fields := _stat_fields(entry.name))
            and int(fields[1]) == master
        ):
            pids.append(int(entry.name))
    return sorted(pids)


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes (clock ticks from /proc/<pid>/stat)."""
    total = 0
    for pid in pids:
        if fields := _stat_fields(pid):
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def percentile(sorted_values: list[float], p: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(len(sorted_values) * p))]
