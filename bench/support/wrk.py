"""GET requests at full speed with wrk (Debian's C load generator: apt-get install wrk), which
leaves more of a small machine's cores to the server than Python client threads do."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass

from .processes import cpu_seconds

# Each thread takes every `stride`-th path from its own start: no path is sent twice at once.
_SCRIPT = """
local paths = {%(paths)s}
local headers = {%(headers)s}
local counter = 0
local threads = 0
function setup(thread)
  thread:set("offset", threads)
  threads = threads + 1
end
request = function()
  counter = counter + 1
  local i = (counter * %(stride)d + (offset or 0)) %% #paths
  return wrk.format("GET", paths[i + 1], headers)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRK %%d %%d %%d %%d %%d %%d %%d %%d %%d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99),
    e.connect, e.read, e.write, e.timeout, e.status))
end
"""


@dataclass(frozen=True)
class WrkRun:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    server_cpu_s: float
    client_cpu_s: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    @property
    def server_cpu_ms(self) -> float:
        """Server CPU per request."""
        return 1000 * self.server_cpu_s / max(self.requests, 1)


def require_wrk() -> str:
    """wrk's path; SystemExit with what to install when it is absent."""
    found = shutil.which("wrk")
    if found is None:
        raise SystemExit("wrk is not installed: apt-get install wrk")
    return found


def _lua(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def run_wrk(
    port: int,
    paths: list[str],
    *,
    headers: dict[str, str],
    connections: int,
    seconds: float,
    server_pids: list[int],
    threads: int = 2,
    timeout: float = 10,
) -> WrkRun:
    """`paths` (already quoted) in turn on `connections` kept-alive connections for `seconds`;
    SystemExit on any socket error (an answer slower than `timeout` s is one: wrk's default of
    2 s failed runs on a busy machine whose p99 was far below it) or answer that is not 2xx. The server's CPU time is read
    from /proc for `server_pids` (the master and its workers)."""
    wrk = require_wrk()
    script_text = _SCRIPT % {
        "paths": ",".join(_lua(p) for p in paths),
        "headers": ",".join(f"[{_lua(k)}] = {_lua(v)}" for k, v in headers.items()),
        "stride": threads,
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(script_text)
    before_server = cpu_seconds(server_pids)
    before_client = os.times()
    try:
        out = subprocess.run(
            [
                wrk,
                "-t",
                str(threads),
                "-c",
                str(connections),
                "-d",
                f"{seconds:.0f}s",
                "-s",
                script.name,
                f"http://127.0.0.1:{port}/",
            ],  # fmt: skip
            capture_output=True,
            text=True,
            check=True,
            timeout=seconds + 60,
        ).stdout
    finally:
        os.unlink(script.name)
    after_client = os.times()
    server_cpu = cpu_seconds(server_pids) - before_server
    client_cpu = (after_client.children_user + after_client.children_system) - (
        before_client.children_user + before_client.children_system
    )
    line = next(x for x in out.splitlines() if x.startswith("WRK "))
    count, duration_us, p50_us, p99_us, *errors, non2xx = map(int, line.split()[1:])
    if any(errors) or non2xx:
        connect, read, write, timeout = errors
        raise SystemExit(
            f"wrk: socket errors (connect {connect}, read {read}, write {write}, timeout "
            f"{timeout}), {non2xx} answers that were not 2xx"
        )
    return WrkRun(
        requests=count,
        seconds=duration_us / 1e6,
        p50_ms=p50_us / 1000,
        p99_ms=p99_us / 1000,
        server_cpu_s=server_cpu,
        client_cpu_s=client_cpu,
    )
