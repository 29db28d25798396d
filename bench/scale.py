"""The list index at scale (issue 20, point 4): gunicorn workers sharing one snapshot of
1,000,000 listed indicators, while single checks run at full speed and one listing a second
streams in.

Seeds the mixed list of bench/lookup.py (60% domains, 25% URLs, 10% phones, 5% bank accounts)
straight into a fresh database, builds the index once in this process and writes its snapshot
to CANHGIAC_INDEX_SNAPSHOT_DIR (indicators/snapshot.py), then starts gunicorn as bin/serve does
(canhgiac/gunicorn_conf.py, --workers N, without the access log) with that folder set, on a
loopback port of its own. Then, on that one server:

    start-up   a fresh server: from its start until a check of a value listed after the snapshot
               answers "listed" (the master maps the file before it forks the workers, which
               read only the changes since; none reads the list); and a fresh worker: the
               running workers are paused (SIGSTOP), SIGTTIN makes the master fork one more, and
               the time from the signal until it answers the same check (only it can accept);
               that it maps the snapshot is read from /proc/PID/maps
    rate       single checks (GET /api/lookup/check, the values bench/lookup.py sends) by wrk at
               full speed, in rounds of --seconds: without listings, and with one listing a
               second made through indicators.services from this process; the two alternate
               (--rounds each, A B B A …) so that other work on the machine weighs on both alike
    visibility during the listing rounds, each new value is checked every 50 ms on a fresh
               connection (any worker may answer); it is visible from the first "listed" answer
               after which no answer said otherwise (until a second and a half after the first
               "listed": every worker looks for changes once a second). The rounds without
               listings poll a value that stays unlisted the same way, so both carry the same
               extra requests
    memory     per worker, from /proc/PID/smaps_rollup after the load: RSS, PSS, private
               (Private_Clean + Private_Dirty) and shared (Shared_Clean + Shared_Dirty), and how
               much of the RSS is the mapped snapshot (/proc/PID/smaps)

The database: PostgreSQL with --database-url (default $DATABASE_URL; a fresh database next to
the one it names, `<name>_bench_scale`), else SQLite in the temporary folder. Seeding a million
rows takes a minute or two: --keep leaves the folder (and the PostgreSQL database) and prints
how to time it again with --reuse FOLDER.

wrk (Debian's C load generator) sends the checks: apt-get install wrk. The load generator and
the server share the machine's cores (the load average is printed): the rates are what the
server does next to wrk, and other work on the machine makes them pessimistic.

    .venv/bin/python bench/scale.py [--listed 1000000] [--workers 4] [--seconds 8]
        [--rounds 8] [--connections 6] [--database-url postgres://…] [--keep] [--reuse DIR]

Targets: at most 120 MB private memory per worker, start-up within 2 s, visibility p99 within
2 s, and at least 90% of the undisturbed rate during the listing stream. The last line is
    RESULT worker_private_mb=… startup_s=… visible_p99_s=… rate_kept=…
"""

from __future__ import annotations

import argparse
import http.client
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))  # first: bench/lookup.py would shadow the lookup app

from support.listings import (  # type: ignore[import-not-found]  # noqa: E402  # bench/ on sys.path
    insert_listed,
    mixed_listings,
    single_values,
)
from support.processes import (  # type: ignore[import-not-found]  # noqa: E402
    cpu_seconds,
    drop_postgres,
    fresh_postgres,
    listening_socket,
    percentile,
    start_gunicorn,
    stop,
    worker_pids,
)
from support.wrk import WrkRun, require_wrk, run_wrk  # type: ignore[import-not-found]  # noqa: E402

CHECK = "/api/lookup/check?q="
POLL_EVERY_S = 0.05
CONFIRM_S = 1.5  # polls go on this long after the first "listed" answer
GIVE_UP_S = 10.0
DATABASE_URL_FILE = "database_url"  # in a kept folder: the PostgreSQL database it goes with


# --- the database and the snapshot ---------------------------------------------------------------


@dataclass
class Prepared:
    var_dir: Path
    env: dict[str, str]
    key: str
    values: list[str]  # single checks
    listed_value: str  # in the snapshot
    database: str


def prepare(args: argparse.Namespace) -> Prepared:
    """A seeded database (fresh, or the kept one of --reuse), a partner key, and the snapshot
    written once by this process."""
    if args.reuse:
        var_dir = Path(args.reuse)
        url_file = var_dir / DATABASE_URL_FILE
        database_url = url_file.read_text().strip() if url_file.exists() else ""
    else:
        var_dir = Path(tempfile.mkdtemp(prefix="canhgiac-bench-scale-"))
        (var_dir / "static").mkdir()  # no collected files: WhiteNoise only warns about them
        database_url = fresh_postgres(args.database_url, "bench_scale") if args.database_url else ""
        if database_url:
            (var_dir / DATABASE_URL_FILE).write_text(database_url)
    snapshots = var_dir / "index"
    shutil.rmtree(snapshots, ignore_errors=True)  # built anew every run, and timed
    env = {
        "CANHGIAC_VAR_DIR": str(var_dir),
        "CANHGIAC_HTTPS": "0",
        "CANHGIAC_INDEX_SNAPSHOT_DIR": str(snapshots),
        "DJANGO_SETTINGS_MODULE": "canhgiac.settings",
    }
    if database_url:
        env["DATABASE_URL"] = database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from indicators.matcher import get_matcher, reset_matcher
    from orgs.models import PartnerKey, Unit

    started = time.perf_counter()
    rows = mixed_listings(args.listed)
    if not args.reuse:
        call_command("migrate", verbosity=0, skip_checks=True)
        call_command("createcachetable", verbosity=0)
        insert_listed(rows)
        print(f"seeded {args.listed:,} listed in {time.perf_counter() - started:.1f} s", flush=True)
    root = Unit.objects.filter(depth=1).first() or Unit.objects.add_root(
        {"code": "P", "name": "Tỉnh Thử Nghiệm", "kind": "province"}
    )
    _key, raw = PartnerKey.issue(name="Bench scale", unit=root, rate_per_minute=100_000_000)
    started = time.perf_counter()
    index = get_matcher(refresh=True)  # builds, and writes the snapshot
    print(
        f"index: {len(index):,} rows built and written in {time.perf_counter() - started:.1f} s "
        f"({sum(p.stat().st_size for p in snapshots.glob('*.snap')) / 1e6:.0f} MB file)",
        flush=True,
    )
    reset_matcher()
    connection.close()
    return Prepared(
        var_dir=var_dir,
        env=env,
        key=raw,
        values=single_values(rows, 20_000, seed=11),
        listed_value=next(value for kind, value, _c in rows if kind == "domain"),
        database="PostgreSQL" if database_url else "SQLite",
    )


def list_value(value: str) -> float:
    """List a domain through the services, as a verifier's decision does; when it committed."""
    from indicators.kinds import Kind
    from indicators.services import list_indicator

    list_indicator(kind=Kind.DOMAIN, value=value)
    return time.monotonic()


def apply_ms(listings: int = 10) -> float:
    """What each worker does once a second during the stream, timed here with the same code on
    the same snapshot, away from the noise of the rates: milliseconds to bring an index up to
    date after one listing (the version query, the changes since, the overlay); the median."""
    from django.db import connection

    from indicators.matcher import get_matcher, reset_matcher

    get_matcher(refresh=True)  # maps the snapshot, reads the changes since
    timings = []
    tag = f"{os.getpid()}-{int(time.time())}"
    for n in range(listings):
        value = f"ap-dung-{tag}-{n}.bench-scale.vn"
        list_value(value)
        started = time.perf_counter()
        index = get_matcher(refresh=True)
        timings.append(time.perf_counter() - started)
        assert index.check_host(value).listed, value
    reset_matcher()
    connection.close()
    return 1000 * statistics.median(timings)


# --- asking the server ---------------------------------------------------------------------------


def is_listed(port: int, key: str, value: str, timeout: float = 30) -> bool:
    """One check on a connection of its own (so that any worker may take it)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", CHECK + quote(value, safe=""), headers={"X-Api-Key": key})
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    if response.status != 200:
        raise SystemExit(f"check of {value}: HTTP {response.status} {body[:200]!r}")
    return b'"status":"listed"' in body


def until_listed(port: int, key: str, value: str, timeout: float = 120) -> float:
    """Seconds until a check of `value` answers "listed"."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        try:
            if is_listed(port, key, value):
                return time.monotonic() - started
        except OSError:  # not listening yet
            pass
        time.sleep(0.02)
    raise SystemExit(f"{value} was not listed after {timeout:.0f} s")


@dataclass
class Poll:
    """A value checked every POLL_EVERY_S from `since` (when it was listed, or would be)."""

    value: str
    since: float
    answers: list[tuple[float, bool]] = field(default_factory=list)

    def run(self, port: int, key: str) -> None:
        first: float | None = None
        while True:
            now = time.monotonic()
            if now - self.since > GIVE_UP_S or (first is not None and now - first > CONFIRM_S):
                return
            listed = is_listed(port, key, self.value, timeout=10)
            self.answers.append((time.monotonic() - self.since, listed))
            if listed and first is None:
                first = time.monotonic()
            time.sleep(POLL_EVERY_S)

    def visible_after(self) -> float | None:
        """The first "listed" answer after the last one that was not; None: never listed."""
        last_no = max((t for t, listed in self.answers if not listed), default=-1.0)
        after = [t for t, listed in self.answers if listed and t > last_no]
        return min(after) if after else None


# --- one round of load -----------------------------------------------------------------------------


@dataclass
class Round:
    listing: bool
    run: WrkRun
    polls: list[Poll]


def load_round(
    port: int,
    prepared: Prepared,
    args: argparse.Namespace,
    pids: list[int],
    *,
    listing: bool,
    n: int,
) -> Round:
    """wrk at full speed for --seconds; meanwhile one value a second, listed (or not), polled."""
    box: list[WrkRun] = []
    failed: list[BaseException] = []
    paths = [CHECK + quote(value, safe="") for value in prepared.values]

    def load() -> None:
        try:
            box.append(
                run_wrk(
                    port,
                    paths,
                    headers={"X-Api-Key": prepared.key},
                    connections=args.connections,
                    seconds=args.seconds,
                    server_pids=pids,
                )
            )
        except BaseException as error:  # noqa: BLE001 (reported by the main thread)
            failed.append(error)

    wrk = threading.Thread(target=load)
    started = time.monotonic()
    wrk.start()
    polls: list[Poll] = []
    pollers: list[threading.Thread] = []
    tag = f"{os.getpid()}-{int(time.time())}-{n}"
    second = 1
    # Listings stop early enough for their polls to end while wrk still runs.
    while time.monotonic() - started < args.seconds - CONFIRM_S - 2:
        time.sleep(max(0.0, started + second - time.monotonic()))
        second += 1
        value = f"{'moi' if listing else 'khong'}-{tag}-{second}.bench-scale.vn"
        since = list_value(value) if listing else time.monotonic()
        poll = Poll(value, since)
        polls.append(poll)
        poller = threading.Thread(target=poll.run, args=(port, prepared.key))
        poller.start()
        pollers.append(poller)
    for poller in pollers:
        poller.join()
    wrk.join()
    if failed or not box:
        raise SystemExit(f"wrk failed: {failed[0] if failed else 'no result'}")
    return Round(listing, box[0], polls)


# --- memory and start-up ---------------------------------------------------------------------------


def rollup(pid: int) -> dict[str, float]:
    """/proc/PID/smaps_rollup in MB."""
    found: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, _sep, rest = line.partition(":")
        found[name] = int(rest.split()[0]) / 1024
    return {
        "rss": found["Rss"],
        "pss": found["Pss"],
        "private": found["Private_Clean"] + found["Private_Dirty"],
        "shared": found["Shared_Clean"] + found["Shared_Dirty"],
        "anonymous": found["Anonymous"],
    }


def mapped_mb(pid: int, directory: Path) -> tuple[float, float]:
    """RSS and private MB of the mappings of files under `directory` (the snapshot)."""
    rss = private = 0.0
    inside = False
    for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
        head = line.split()
        if "-" in head[0] and len(head) >= 5 and ":" not in head[0]:  # a mapping's first line
            inside = len(head) >= 6 and head[5].startswith(str(directory))
        elif inside and head[0] == "Rss:":
            rss += int(head[1]) / 1024
        elif inside and head[0] in ("Private_Clean:", "Private_Dirty:"):
            private += int(head[1]) / 1024
    return rss, private


def maps_snapshot(pid: int, directory: Path) -> bool:
    try:
        return str(directory) in Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return False


def server_start(
    prepared: Prepared, sock: socket.socket, workers: int, value: str
) -> tuple[subprocess.Popen[bytes], float]:
    """gunicorn started afresh: seconds until a check of `value` answers "listed"."""
    started = time.monotonic()
    server = start_gunicorn(
        prepared.var_dir, env=prepared.env, extra=["--workers", str(workers)], sock=sock
    )
    port = sock.getsockname()[1]
    try:
        until_listed(port, prepared.key, value)
        elapsed = time.monotonic() - started
        # Forked from a master that holds everything, the first worker answers before the
        # master has forked the last.
        while len(worker_pids(server.pid)) < workers:
            if time.monotonic() - started > 120:
                raise SystemExit(f"gunicorn did not start {workers} workers")
            time.sleep(0.05)
    except BaseException:
        stop(server)
        raise
    return server, elapsed


def fresh_worker(
    server: subprocess.Popen[bytes], port: int, key: str, value: str
) -> dict[str, float]:
    """Pause the workers, SIGTTIN for one more, time it until it answers; then back to the
    former number (SIGTTOU stops the oldest)."""
    old = worker_pids(server.pid)
    for pid in old:
        os.kill(pid, signal.SIGSTOP)
    try:
        os.kill(server.pid, signal.SIGTTIN)
        seconds = until_listed(port, key, value, timeout=60)
        new = [pid for pid in worker_pids(server.pid) if pid not in old]
    finally:
        for pid in old:
            os.kill(pid, signal.SIGCONT)
    if len(new) != 1:
        raise SystemExit(f"expected one new worker, found {new}")
    result = {"seconds": seconds, "pid": new[0], "cpu_s": cpu_seconds(new)}
    os.kill(server.pid, signal.SIGTTOU)
    return result


# --- the run ---------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--listed", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--seconds", type=float, default=8.0, help="length of each round")
    parser.add_argument("--rounds", type=int, default=8, help="rounds with and without listings")
    parser.add_argument("--connections", type=int, default=6, help="wrk's kept-alive connections")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--keep", action="store_true", help="keep the seeded folder and database")
    parser.add_argument("--reuse", default="", help="a folder kept by --keep")
    args = parser.parse_args()
    require_wrk()
    prepared = prepare(args)
    try:
        run(args, prepared)
    finally:
        if args.keep or args.reuse:
            print(f"kept: {prepared.var_dir} (time it again with --reuse {prepared.var_dir})")
        else:
            shutil.rmtree(prepared.var_dir, ignore_errors=True)
            if "DATABASE_URL" in prepared.env:
                drop_postgres(prepared.env["DATABASE_URL"])


def run(args: argparse.Namespace, prepared: Prepared) -> None:
    snapshots = Path(prepared.env["CANHGIAC_INDEX_SNAPSHOT_DIR"])
    after_snapshot = f"sau-anh-chup-{os.getpid()}-{int(time.time())}.bench-scale.vn"
    list_value(after_snapshot)  # read from the changes since the snapshot, by every worker
    sock = listening_socket()
    port = sock.getsockname()[1]
    print(
        f"machine: {os.cpu_count()} cores shared by gunicorn, wrk and this process; "
        f"{prepared.database}; load average {', '.join(f'{x:.2f}' for x in os.getloadavg())}",
        flush=True,
    )
    server, start_s = server_start(prepared, sock, args.workers, after_snapshot)
    try:
        workers = worker_pids(server.pid)
        mapping = [maps_snapshot(pid, snapshots) for pid in workers]
        print(
            f"server start: {start_s:.2f} s from the start of gunicorn with {args.workers} "
            f"workers until a value listed after the snapshot answered listed; workers mapping "
            f"the snapshot: {sum(mapping)} of {len(workers)}",
            flush=True,
        )
        if not is_listed(port, prepared.key, prepared.listed_value):
            raise SystemExit(f"{prepared.listed_value} (in the snapshot) is not listed")
        pids = [server.pid, *workers]
        rounds = []
        for n in range(args.rounds):
            # A B B A A B …: a drift of the machine's other work weighs on both alike.
            for listing in (False, True) if n % 2 == 0 else (True, False):
                done = load_round(port, prepared, args, pids, listing=listing, n=n)
                label = "with one listing a second" if listing else "without listings"
                print(
                    f"round {n + 1} {label}: {done.run.rps:,.0f} checks/s, p50 "
                    f"{done.run.p50_ms:.1f} ms, p99 {done.run.p99_ms:.1f} ms, server CPU "
                    f"{done.run.server_cpu_ms:.2f} ms per check, {len(done.polls)} values polled",
                    flush=True,
                )
                rounds.append(done)
        memory = {pid: rollup(pid) for pid in workers}
        master = rollup(server.pid)
        snapshot_rss = {pid: mapped_mb(pid, snapshots) for pid in workers}
        fresh = fresh_worker(server, port, prepared.key, after_snapshot)
        fresh_memory = rollup(int(fresh["pid"]))
        fresh_maps = maps_snapshot(int(fresh["pid"]), snapshots)
        print(
            f"master {server.pid}: RSS {master['rss']:.0f} MB, PSS {master['pss']:.0f} MB, "
            f"private {master['private']:.0f} MB, shared {master['shared']:.0f} MB",
            flush=True,
        )
        applying = apply_ms()
        report(
            args, rounds, memory, snapshot_rss, fresh, fresh_memory, fresh_maps, start_s, applying
        )
    finally:
        stop(server)
        sock.close()


def report(
    args: argparse.Namespace,
    rounds: list[Round],
    memory: dict[int, dict[str, float]],
    snapshot_rss: dict[int, tuple[float, float]],
    fresh: dict[str, float],
    fresh_memory: dict[str, float],
    fresh_maps: bool,
    start_s: float,
    apply_ms: float,
) -> None:
    for pid, m in memory.items():
        rss, private = snapshot_rss[pid]
        print(
            f"worker {pid}: RSS {m['rss']:.0f} MB, PSS {m['pss']:.0f} MB, private "
            f"{m['private']:.0f} MB (anonymous {m['anonymous']:.0f} MB), shared {m['shared']:.0f} "
            f"MB; of the RSS {rss:.0f} MB is the mapped snapshot ({private:.1f} MB of it private)",
            flush=True,
        )
    worst = max(m["private"] for m in memory.values())
    print(
        f"memory: the largest private part of a worker {worst:.0f} MB [target 120 MB]; PSS of "
        f"all {len(memory)} workers {sum(m['pss'] for m in memory.values()):.0f} MB",
        flush=True,
    )
    print(
        f"fresh worker (others paused, SIGTTIN): answered a value listed after the snapshot in "
        f"{fresh['seconds']:.2f} s [target 2 s], {fresh['cpu_s']:.2f} s of CPU; maps the "
        f"snapshot: {fresh_maps}; RSS {fresh_memory['rss']:.0f} MB, private "
        f"{fresh_memory['private']:.0f} MB",
        flush=True,
    )
    quiet = [r.run for r in rounds if not r.listing]
    busy = [r.run for r in rounds if r.listing]
    quiet_rate = sum(r.requests for r in quiet) / sum(r.seconds for r in quiet)
    busy_rate = sum(r.requests for r in busy) / sum(r.seconds for r in busy)
    pooled = busy_rate / quiet_rate
    pairs = sorted(
        rounds[k + int(rounds[k].listing is False)].run.rps
        / rounds[k + int(rounds[k].listing is True)].run.rps
        for k in range(0, len(rounds), 2)
    )
    # Other work on the machine moves a round's rate by a factor of two either way: the median
    # of the rounds side by side is what one listing a second costs, the pooled rate (printed
    # too) what the noise left of it.
    kept = statistics.median(pairs)
    workers = len(memory)
    share = workers * apply_ms / (10 * (os.cpu_count() or 1))  # percent of the cores
    print(
        f"rate: {quiet_rate:,.0f} checks/s without listings, {busy_rate:,.0f}/s with one listing "
        f"a second ({100 * pooled:.1f}%; {args.rounds} rounds of each, A B B A, "
        f"{args.seconds:.0f} s each, wrk {args.connections} connections); the rounds side by "
        f"side: {100 * kept:.1f}% kept in the median [target 90%], from {100 * pairs[0]:.0f}% "
        f"to {100 * pairs[-1]:.0f}%",
        flush=True,
    )
    print(
        f"  what a listing costs a worker (timed in this process, same code and snapshot): "
        f"{apply_ms:.1f} ms to apply it; at one a second, {workers} workers spend "
        f"{share:.2f}% of the {os.cpu_count()} cores on it",
        flush=True,
    )
    seen = sorted(
        t for r in rounds if r.listing for p in r.polls if (t := p.visible_after()) is not None
    )
    listed = sum(len(r.polls) for r in rounds if r.listing)
    if len(seen) < listed:
        raise SystemExit(f"{listed - len(seen)} of {listed} listings never became visible")
    polls = sum(len(p.answers) for r in rounds for p in r.polls)
    elapsed = sum(r.run.seconds for r in rounds)
    stale = [p.value for r in rounds if not r.listing for p in r.polls if p.visible_after()]
    if stale:
        raise SystemExit(f"values never listed answered listed: {stale[:3]}")
    p50, p99 = percentile(seen, 0.5), percentile(seen, 0.99)
    print(
        f"visibility over {len(seen)} listings: p50 {p50:.2f} s, p99 {p99:.2f} s, max "
        f"{seen[-1]:.2f} s [target p99 2 s] (polled every {1000 * POLL_EVERY_S:.0f} ms: "
        f"{polls / elapsed:.0f} requests/s on top of wrk's, in every round)",
        flush=True,
    )
    print(
        f"load average {', '.join(f'{x:.2f}' for x in os.getloadavg())}: other work on the same "
        f"cores makes these figures pessimistic",
        flush=True,
    )
    print(
        f"RESULT worker_private_mb={worst:.1f} startup_s={fresh['seconds']:.2f} "
        f"visible_p99_s={p99:.2f} rate_kept={kept:.3f} server_start_s={start_s:.2f} "
        f"visible_p50_s={p50:.2f} checks_per_s={quiet_rate:.0f} rate_pooled={pooled:.3f} "
        f"apply_ms={apply_ms:.2f}"
    )


if __name__ == "__main__":
    main()
