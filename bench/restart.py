"""How long `make run` takes to serve /healthz: the first time on an empty data folder (new
database, demo data, every static file collected and compressed) and the second time (nothing
to do but start).

Runs `make run` itself (the same steps, in a temporary CANHGIAC_VAR_DIR, bin/serve on a free
loopback port of 19450-19499), times the start until /healthz answers 200, stops the servers
with Ctrl-C as a person would and checks that nothing is left running. The project's .venv
must be installed (`make install`).

    .venv/bin/python bench/restart.py [--runs 2] [--keep]

Ends with `RESULT first_start_s=… second_start_s=…` (more runs: third_start_s, …)."""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from support.processes import free_port

ROOT = Path(__file__).resolve().parents[1]
PORTS = range(19450, 19500)  # the upper half: tests running meanwhile start at 19400
START_TIMEOUT = 600


def pick_port() -> int:
    for port in PORTS:
        try:
            return free_port(port)
        except OSError:
            continue
    raise SystemExit(f"no free port in {PORTS.start}-{PORTS.stop - 1}")


def healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


def group_alive(pgid: int) -> bool:
    found = subprocess.run(["pgrep", "-g", str(pgid)], capture_output=True, text=True)
    return bool(found.stdout.strip())


def stop(proc: subprocess.Popen, log) -> float:
    """Ctrl-C to the whole group (make, bin/serve, gunicorn, the workers); the seconds until
    every process has gone."""
    started = time.monotonic()
    os.killpg(proc.pid, signal.SIGINT)
    deadline = started + 60
    while (proc.poll() is None or group_alive(proc.pid)) and time.monotonic() < deadline:
        time.sleep(0.1)
    if group_alive(proc.pid):
        os.killpg(proc.pid, signal.SIGKILL)
        log.write("\n!! processes left after 60 s: killed\n")
        raise SystemExit("the servers did not stop on Ctrl-C")
    return time.monotonic() - started


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def start_once(var: Path, log_path: Path) -> tuple[float, float]:
    """One `make run` until /healthz answers; (seconds to start, seconds to stop)."""
    port = pick_port()
    env = {
        **os.environ,
        "CANHGIAC_VAR_DIR": str(var),
        "CANHGIAC_BIND": f"127.0.0.1:{port}",
        "CANHGIAC_HTTPS": "0",
    }
    env.pop("DATABASE_URL", None)
    with log_path.open("a") as log:
        log.write(f"\n== make run on port {port}\n")
        log.flush()
        started = time.monotonic()
        proc = subprocess.Popen(
            ["make", "--no-print-directory", "run"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            # A shell started with SIGINT ignored (this script run in the background) could
            # not trap it: give make and bin/serve the Ctrl-C of a terminal.
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        try:
            while not healthy(port):
                if proc.poll() is not None:
                    raise SystemExit(f"make run ended with {proc.returncode}: see {log_path}")
                if time.monotonic() - started > START_TIMEOUT:
                    raise SystemExit(f"/healthz did not answer in {START_TIMEOUT} s")
                time.sleep(0.1)
            took = time.monotonic() - started
        finally:
            stopped = stop(proc, log) if proc.poll() is None else 0.0
    return took, stopped


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=2, help="starts in all (at least 2)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary data folder")
    args = parser.parse_args()
    if not (ROOT / ".venv" / "bin" / "python").exists():
        raise SystemExit("no .venv: run `make install` first")
    var = Path(tempfile.mkdtemp(prefix="canhgiac-restart-"))
    log_path = var.with_name(var.name + ".log")
    names = ["first", "second", "third", "fourth", "fifth"]
    times = []
    try:
        for run in range(max(2, args.runs)):
            cpu = children_cpu()
            load = os.getloadavg()[0]
            took, stopped = start_once(var, log_path)
            times.append(took)
            name = names[run] if run < len(names) else f"run {run + 1}"
            print(
                f"{name} start: /healthz 200 after {took:.1f} s (stopped in {stopped:.1f} s; "
                f"CPU of all its processes {children_cpu() - cpu:.1f} s; "
                f"load average before {load:.1f} on {os.cpu_count()} CPUs)"
            )
            sys.stdout.flush()
    finally:
        if args.keep:
            print(f"data folder kept: {var} (log {log_path})")
        else:
            shutil.rmtree(var, ignore_errors=True)
            print(f"log: {log_path}")
    label = [names[i] if i < len(names) else f"run{i + 1}" for i in range(len(times))]
    print("RESULT " + " ".join(f"{label[i]}_start_s={t:.1f}" for i, t in enumerate(times)))


if __name__ == "__main__":
    main()
