"""Running a server on loopback for a benchmark and measuring its processes."""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def start_gunicorn(var_dir: Path, port: int, *, env: dict[str, str], extra: list[str]):
    """gunicorn as bin/serve runs it (canhgiac/gunicorn_conf.py) on a fresh var folder, quiet,
    in its own session (os.killpg stops it and its workers); `extra` options (--workers,
    --threads, --timeout) come after the config file, so they win over its values."""
    environment = {
        **os.environ,
        "CANHGIAC_VAR_DIR": str(var_dir),
        "CANHGIAC_HTTPS": "0",
        "CANHGIAC_DEBUG": "0",
        "CANHGIAC_LOG_LEVEL": "WARNING",
        **env,
    }
    command = [
        str(ROOT / ".venv/bin/gunicorn"),
        "canhgiac.wsgi:application",
        "--config", "python:canhgiac.gunicorn_conf",
        *extra,
        "--bind", f"127.0.0.1:{port}",
        "--log-level", "warning",
    ]  # fmt: skip
    return subprocess.Popen(command, cwd=ROOT, env=environment, start_new_session=True)


def free_port(wanted: int = 0) -> int:
    """`wanted` when free (0: any free loopback port)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", wanted))
        return probe.getsockname()[1]


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
