"""A real consumer of the RPZ feed: Debian's Unbound, started on a loopback port.

Unbound has no Internet here. Two local auth-zones (for-upstream: what the resolver would find
on the Internet) hold an address for every name the test asks about, so that without the RPZ
every name resolves; with the feed loaded, the listed domain and its subdomains answer NXDOMAIN
and the allowlisted names still resolve.
"""

import secrets
import socket
import struct
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from .helpers import ALLOWED_UNDER_LISTED, ALLOWLISTED_LISTED, LISTED_DOMAIN, build_list

UNBOUND = Path("/usr/sbin/unbound")
NOERROR, NXDOMAIN = 0, 3

pytestmark = [pytest.mark.django_db, pytest.mark.real_service]


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def query(port: int, name: str, timeout: float = 3.0) -> tuple[int, int]:
    """(RCODE, number of answers) for an A query, over UDP, built by hand."""
    ident = secrets.randbits(16)
    header = struct.pack(">HHHHHH", ident, 0x0100, 1, 0, 0, 0)  # recursion desired
    qname = b"".join(bytes([len(label)]) + label.encode() for label in name.split(".")) + b"\0"
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(timeout)
        sock.sendto(header + qname + struct.pack(">HH", 1, 1), ("127.0.0.1", port))
        data = sock.recv(4096)
    answer_id, flags, _qd, answers = struct.unpack(">HHHH", data[:8])
    assert answer_id == ident
    return flags & 0x000F, answers


UPSTREAM = """$TTL 300
@ SOA ns.{zone}. hostmaster.{zone}. 1 3600 600 604800 300
@ NS ns.{zone}.
ns A 192.0.2.53
{records}
"""


def write_upstream(folder: Path, zone: str, names: list[str]) -> Path:
    records = "\n".join(f"{name}. A 192.0.2.{n}" for n, name in enumerate(names, 1))
    path = folder / f"{zone}.zone"
    path.write_text(UPSTREAM.format(zone=zone, records=records))
    return path


def unbound_config(folder: Path, port: int, rpz: Path, upstreams: dict[str, Path]) -> Path:
    """An Unbound configuration on a loopback port: the upstream zones served locally (auth
    zones: no network) and the RPZ feed applied in front of them."""
    auth_zones = "".join(
        f'auth-zone:\n  name: "{name}."\n  zonefile: "{path}"\n  for-downstream: no\n'
        "  for-upstream: yes\n  fallback-enabled: no\n"
        for name, path in upstreams.items()
    )
    config = folder / "unbound.conf"
    config.write_text(
        f"""server:
  interface: 127.0.0.1
  port: {port}
  do-ip6: no
  do-tcp: no
  so-reuseport: no
  do-daemonize: no
  username: ""
  chroot: ""
  directory: "{folder}"
  pidfile: "{folder}/unbound.pid"
  use-syslog: no
  logfile: ""
  verbosity: 1
  module-config: "respip validator iterator"
remote-control:
  control-enable: no
{auth_zones}rpz:
  name: "rpz.canhgiac."
  zonefile: "{rpz}"
"""
    )
    checked = subprocess.run(
        [str(UNBOUND) + "-checkconf", str(config)], capture_output=True, text=True, timeout=30
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    return config


@contextmanager
def running_unbound(
    folder: Path, port: int, rpz: Path, upstreams: dict[str, Path]
) -> Iterator[subprocess.Popen]:
    """The real Unbound in the foreground for the block, stopped after it."""
    config = unbound_config(folder, port, rpz, upstreams)
    server = subprocess.Popen(
        [str(UNBOUND), "-d", "-c", str(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield server
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def wait_for(server: subprocess.Popen, port: int, name: str) -> tuple[int, int]:
    """The first answer for `name`, once Unbound has started (at most 20 s)."""
    deadline = time.monotonic() + 20
    while True:
        try:
            return query(port, name, timeout=0.5)
        except (TimeoutError, ConnectionRefusedError):
            assert server.poll() is None, server.stdout.read() if server.stdout else ""
            assert time.monotonic() < deadline, "Unbound did not answer in 20 s"


def test_unbound_loads_the_rpz_feed_and_answers_nxdomain_for_listed_names(
    client, partner, tmp_path
):
    if not UNBOUND.exists():
        pytest.skip("Unbound is not installed: apt-get install unbound")
    build_list()
    response = client.get("/feeds/rpz.zone", headers={"X-Api-Key": partner})
    assert response.status_code == 200
    zone = tmp_path / "canhgiac.rpz"
    zone.write_bytes(b"".join(response.streaming_content))

    com = write_upstream(
        tmp_path,
        "com",
        [LISTED_DOMAIN, f"www.{LISTED_DOMAIN}", f"a.b.{LISTED_DOMAIN}", ALLOWED_UNDER_LISTED],
    )
    vn = write_upstream(tmp_path, "vn", [ALLOWLISTED_LISTED, "binh-thuong.vn"])
    port = free_udp_port()
    with running_unbound(tmp_path, port, zone, {"com": com, "vn": vn}) as server:
        first = wait_for(server, port, "binh-thuong.vn")
        assert first[0] == NOERROR and first[1] == 1  # the upstream data resolves
        assert query(port, LISTED_DOMAIN)[0] == NXDOMAIN
        assert query(port, f"www.{LISTED_DOMAIN}")[0] == NXDOMAIN
        assert query(port, f"a.b.{LISTED_DOMAIN}")[0] == NXDOMAIN
        assert query(port, ALLOWED_UNDER_LISTED) == (NOERROR, 1)  # passthru
        assert query(port, ALLOWLISTED_LISTED) == (NOERROR, 1)  # listed, but allowlisted
