"""A task for the worker-recovery tests (imported by real worker processes): it writes one line
when it starts, waits until the test creates a `release` file, then one line when it is done."""

import os
import time
from pathlib import Path

from django_tasks import task


@task()
def wait_for_release(folder: str, *, wait_seconds: float = 120) -> int:
    here = Path(folder)
    with (here / "started").open("a") as f:
        f.write(f"{os.getpid()}\n")
    deadline = time.monotonic() + wait_seconds
    while not (here / "release").exists():
        if time.monotonic() > deadline:
            raise TimeoutError("no release file")
        time.sleep(0.05)
    with (here / "done").open("a") as f:
        f.write(f"{os.getpid()}\n")
    return os.getpid()
