"""Benchmark of lookup: the API and the RPZ feed, served by gunicorn, with a million listings.

Builds a fresh SQLite database in a temporary CANHGIAC_VAR_DIR, inserts 1,000,000 listed
indicators (60% domains, 25% URLs, 10% phones, 5% bank accounts) with their list changes,
issues a partner key, starts gunicorn as bin/serve does (2 workers of 4 threads, keep-alive:
canhgiac/gunicorn_conf.py) on a free loopback port and waits until
both workers hold the in-memory matcher the master built before forking them (excluded from
the timings). Then:

    single   GET /api/lookup/check?q=… (a mix of listed and unlisted URLs, domains, phones),
             on 6 kept-alive connections, sent by wrk (Debian's package: apt-get install wrk)
             when it is installed, else by Python client threads, which take more of the
             shared CPU: checks per second and the 99th percentile latency
    floor    GET /api/bench-floor, a fixed JSON answer through the same middleware on the same
             server (CANHGIAC_BENCH_FLOOR=1), sent the same way, before and after the single
             checks: the floor of Django, gunicorn and loopback here; floor_ratio = single
             checks per second / floor requests per second (target 0.8)
    batch    POST /api/lookup/check-batch with 1,000 URLs each (8% under listed domains, 4%
             under listed URLs), one connection per batch: URL checks per second
    rpz      GET /feeds/rpz.zone, the whole zone (600,000 domains): seconds, and the resident
             memory of the worker that serves it, sampled every 20 ms: its growth over the
             stream (peak minus before) and between the first and the last quarter of the bytes

Unlisted URLs are 70% on 20,000 popular hosts (Zipf) and 30% on hosts seen once; batches send
--batch-urls distinct URLs (300,000), so the look-alike cache (per host, per worker) misses on the
long tail as it would in a partner's traffic: its hit rate is estimated and printed. The single
and batch checks run twice, on two gunicorn runs over the same database: with the look-alike
scorer on (the default) and off (CANHGIAC_LOOKUP_LOOKALIKES=0), and the ratio is printed.

The load generator runs on the same machine as the server (loopback only), so on a small machine
the two share the CPU cores: the figures are what the server does while the client also runs,
and other work on the machine (the load average is printed) makes them pessimistic.

    .venv/bin/python bench/lookup.py [--listed 1000000] [--seconds 12] [--threads 6] [--port N]

Targets (scorer on): 2,000 single checks/s, 50,000 URL checks/s through batches, the full RPZ in
under 10 s with memory that does not grow with the list. The last line is
    RESULT single_per_s=… batch_urls_per_s=… scorer_ratio_single=… scorer_ratio_batch=…
           single_rps=… single_p99_ms=… batch_url_checks_per_s=… rpz_s=… rpz_peak_mb=…
           floor_rps=… floor_ratio=…
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

from support import processes  # bench/ is the script's folder
from support.listings import (
    POPULAR_HOSTS,
    POPULAR_SHARE,
    check_urls,
    insert_listed,
    single_values,
)
from support.listings import mixed_listings as listings
from support.processes import cpu_seconds, free_port, percentile, stop, worker_pids
from support.wrk import run_wrk

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


# --- the server ---------------------------------------------------------------------------------


def prepare(var_dir: Path, count: int) -> tuple[str, list]:
    """Migrate, insert the listings, issue a partner key. Returns (raw key, rows)."""
    os.environ["CANHGIAC_VAR_DIR"] = str(var_dir)
    os.environ["CANHGIAC_HTTPS"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "canhgiac.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from orgs.models import PartnerKey, Unit

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    migrated = time.perf_counter()
    rows = listings(count)
    generated = time.perf_counter()
    insert_listed(rows)
    inserted = time.perf_counter()
    root = Unit.objects.add_root({"code": "P", "name": "Tỉnh Thử Nghiệm", "kind": "province"})
    _key, raw = PartnerKey.issue(name="Bench", unit=root, rate_per_minute=100_000_000)
    connection.close()
    print(
        f"database: migrate {migrated - started:.1f} s, generate {generated - migrated:.1f} s, "
        f"insert {count:,} listings + list changes {inserted - generated:.1f} s",
        flush=True,
    )
    return raw, rows


def start_gunicorn(var_dir: Path, port: int, *, lookalikes: bool = True) -> subprocess.Popen:
    return processes.start_gunicorn(
        var_dir,
        port,
        env={"CANHGIAC_LOOKUP_LOOKALIKES": "1" if lookalikes else "0", "CANHGIAC_BENCH_FLOOR": "1"},
        # The master builds the 1M index before it forks the workers.
        extra=["--workers", "2", "--timeout", "300"],
    )


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


FLOOR_PATH = "/api/bench-floor"  # canhgiac.views.bench_floor, routed with CANHGIAC_BENCH_FLOOR=1

_LOCAL = threading.local()


def request(
    port: int, method: str, path: str, body: bytes | None, headers: dict, keep_alive: bool = True
) -> tuple:
    """One request on this thread's keep-alive connection (reopened when the server closed it),
    as an app or a proxy in front of gunicorn sends them; or on a connection of its own."""
    if not keep_alive:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        try:
            connection.request(method, path, body=body, headers={**headers, "Connection": "close"})
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()
    for attempt in (1, 2):
        connection = getattr(_LOCAL, "connection", None)
        if connection is None or connection.port != port:
            connection = _LOCAL.connection = http.client.HTTPConnection(
                "127.0.0.1", port, timeout=300
            )
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
        except (http.client.HTTPException, ConnectionError):
            connection.close()
            _LOCAL.connection = None
            if attempt == 2:
                raise
            continue
        if response.will_close:
            connection.close()
            _LOCAL.connection = None
        return response.status, data
    raise AssertionError("unreachable")


# The warm-up checks a look-alike too: the scorer's tables (confusables, vocabulary), built once
# per worker on its first look-alike (about 0.4 s), stay out of the timings, as the index does.
WARM_VALUES = ("warm.vn", "xn--vietcombnk-6qi.com.vn%2Fxac-thuc")


def _timed_check(port: int, headers: dict, results: list[float]) -> None:
    started = time.perf_counter()
    path = f"/api/lookup/check?q={random.choice(WARM_VALUES)}"
    status, _body = request(port, "GET", path, None, headers)
    assert status == 200, status
    results.append(time.perf_counter() - started)


def warm_up(port: int, master: int, key: str, threads: int = 2) -> float:
    """Until both workers hold their matcher: their memory has grown and answers are fast."""
    started = time.perf_counter()
    headers = {"X-Api-Key": key}
    for _ in range(600):
        try:
            request(port, "GET", "/healthz", None, {})
            break
        except OSError:
            time.sleep(0.2)
    fast = 0
    before: dict[int, float] = {}
    sampled = time.perf_counter()
    while fast < 40:
        results: list[float] = []
        workers = [
            threading.Thread(target=_timed_check, args=(port, headers, results))
            for _ in range(threads)
        ]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        pids = worker_pids(master)
        # A worker building its index takes no requests (the other answers them fast): the
        # memory of both must have stopped growing (the size depends on --listed).
        now = {p: rss_mb(p) for p in pids}
        steady = all(abs(now[p] - before.get(p, 0.0)) < 2 for p in pids)
        if time.perf_counter() - sampled > 1.0:  # compared with a second ago
            before, sampled = now, time.perf_counter()
        warm = len(pids) == 2 and steady
        fast = fast + 1 if warm and max(results) < 0.2 else 0
        if time.perf_counter() - started > 240:
            raise SystemExit("the workers did not warm up in 240 s")
    return time.perf_counter() - started


# --- load ---------------------------------------------------------------------------------------


SERVER_PIDS: list[int] = []


LAST_SERVER_CPU_MS = [0.0]  # server CPU per request of the last run_load


def run_load(threads: int, seconds: float, make_request) -> tuple[int, list[float], float]:
    latencies: list[list[float]] = [[] for _ in range(threads)]
    stop = time.perf_counter() + seconds
    errors: list[str] = []

    def loop(n: int) -> None:
        mine = latencies[n]
        i = n
        while time.perf_counter() < stop:
            t = time.perf_counter()
            try:
                make_request(i)
            except Exception as error:  # noqa: BLE001 (count and report, do not hide)
                errors.append(repr(error))
                return
            mine.append(time.perf_counter() - t)
            i += threads

    started = time.perf_counter()
    server_cpu, client_cpu = cpu_seconds(SERVER_PIDS), time.process_time()
    workers = [threading.Thread(target=loop, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - started
    server_cpu = cpu_seconds(SERVER_PIDS) - server_cpu
    client_cpu = time.process_time() - client_cpu
    if errors:
        raise SystemExit(f"{len(errors)} requests failed, first: {errors[0]}")
    flat = sorted(x for part in latencies for x in part)
    LAST_SERVER_CPU_MS[0] = 1000 * server_cpu / max(len(flat), 1)
    print(
        f"  cpu: server {server_cpu:.1f} s ({1000 * server_cpu / max(len(flat), 1):.2f} ms per "
        f"request), load generator {client_cpu:.1f} s, over {elapsed:.1f} s of 2 cores",
        flush=True,
    )
    return len(flat), flat, elapsed


def bench_single(port: int, key: str, values: list[str], threads: int, seconds: float) -> dict:
    headers = {"X-Api-Key": key}
    paths = [f"/api/lookup/check?q={quote(v, safe='')}" for v in values]
    listed = [0]

    def one(i: int) -> None:
        status, body = request(port, "GET", paths[i % len(paths)], None, headers)
        if status != 200:
            raise RuntimeError(f"HTTP {status}: {body[:200]!r}")
        if b'"status": "listed"' in body or b'"status":"listed"' in body:
            listed[0] += 1

    count, latencies, elapsed = run_load(threads, seconds, one)
    return {
        "rps": count / elapsed,
        "server_cpu_ms": LAST_SERVER_CPU_MS[0],
        "p50_ms": 1000 * percentile(latencies, 0.5),
        "p99_ms": 1000 * percentile(latencies, 0.99),
        "count": count,
        "listed_share": listed[0] / max(count, 1),
        "client": f"{threads} Python client threads",
    }


def bench_single_wrk(
    port: int, key: str, values: list[str], connections: int, seconds: float
) -> dict:
    """The same single checks sent by wrk (Debian's C load generator), which leaves more of the
    two cores to the server than Python client threads do."""
    paths = [f"/api/lookup/check?q={quote(v, safe='')}" for v in values]
    return _wrk(port, paths, key, connections, seconds)


def bench_floor_wrk(port: int, key: str, connections: int, seconds: float) -> dict:
    """The bare endpoint (canhgiac.views.bench_floor, on with CANHGIAC_BENCH_FLOOR=1): a fixed
    JSON answer through the same middleware, sent the same way: what Django, gunicorn and
    loopback cost here before any check is made."""
    return _wrk(port, [FLOOR_PATH], key, connections, seconds)


def _wrk(port: int, paths: list[str], key: str, connections: int, seconds: float) -> dict:
    run = run_wrk(
        port,
        paths,
        headers={"X-Api-Key": key},
        connections=connections,
        seconds=seconds,
        server_pids=SERVER_PIDS,
    )
    print(
        f"  cpu: server {run.server_cpu_s:.1f} s ({run.server_cpu_ms:.2f} ms per request), "
        f"load generator (wrk) {run.client_cpu_s:.1f} s, over {run.seconds:.1f} s of 2 cores",
        flush=True,
    )
    return {
        "rps": run.rps,
        "server_cpu_ms": run.server_cpu_ms,
        "p50_ms": run.p50_ms,
        "p99_ms": run.p99_ms,
        "count": run.requests,
        "listed_share": None,
        "client": f"wrk, {connections} kept-alive connections",
    }


def bench_floor_python(port: int, threads: int, seconds: float) -> dict:
    """The floor endpoint sent by Python client threads (no wrk)."""

    def one(_i: int) -> None:
        status, body = request(port, "GET", FLOOR_PATH, None, {})
        if status != 200:
            raise RuntimeError(f"HTTP {status}: {body[:200]!r}")

    count, latencies, elapsed = run_load(threads, seconds, one)
    return {"rps": count / elapsed, "server_cpu_ms": LAST_SERVER_CPU_MS[0], "count": count}


def bench_batch(port: int, key: str, urls: list[str], threads: int, seconds: float) -> dict:
    headers = {"X-Api-Key": key, "Content-Type": "application/json"}
    bodies = [
        json.dumps({"values": urls[i : i + 1000]}).encode() for i in range(0, len(urls), 1000)
    ]
    listed = [0, 0]

    def one(i: int) -> None:
        # One connection per batch, like a partner's job posting its batches: a kept-alive
        # connection would pin all of one client's batches to one worker process.
        status, body = request(
            port,
            "POST",
            "/api/lookup/check-batch",
            bodies[i % len(bodies)],
            headers,
            keep_alive=False,
        )
        if status != 200:
            raise RuntimeError(f"HTTP {status}: {body[:200]!r}")
        if i % 10 == 0:  # parse a tenth of the answers: the client shares the CPU
            verdicts = json.loads(body)["verdicts"]
            assert len(verdicts) == 1000
            listed[0] += sum(v["status"] == "listed" for v in verdicts)
            listed[1] += len(verdicts)

    count, latencies, elapsed = run_load(threads, seconds, one)
    return {
        "url_checks_per_s": 1000 * count / elapsed,
        "batches": count,
        "p50_ms": 1000 * percentile(latencies, 0.5),
        "listed_share": listed[0] / max(listed[1], 1),
    }


def bench_rpz(port: int, master: int, key: str, *, gzip: bool = False) -> dict:
    pids = worker_pids(master)
    before = {p: rss_mb(p) for p in pids}
    samples: list[tuple[int, dict[int, float]]] = []  # (bytes received, rss per worker)
    received = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            samples.append((received[0], {p: rss_mb(p) for p in pids}))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()
    headers = {"X-Api-Key": key, **({"Accept-Encoding": "gzip"} if gzip else {})}
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    connection.request("GET", "/feeds/rpz.zone", headers=headers)
    response = connection.getresponse()
    assert response.status == 200, response.status
    lines = 0
    while chunk := response.read(256 * 1024):
        received[0] += len(chunk)
        if not gzip:
            lines += chunk.count(b"\n")
    elapsed = time.perf_counter() - started
    connection.close()
    done.set()
    sampler.join()
    samples.append((received[0], {p: rss_mb(p) for p in pids}))
    # The worker that served the stream is the one whose memory moved most.
    growth = {p: max(s[1][p] for s in samples) - before[p] for p in pids}
    server = max(growth, key=growth.get)
    total = received[0]
    first_quarter = [s[1][server] for s in samples if s[0] <= total / 4]
    last_quarter = [s[1][server] for s in samples if s[0] >= 3 * total / 4]
    return {
        "seconds": elapsed,
        "mb": total / 1e6,
        "lines": lines,
        "rss_before_mb": before[server],
        "peak_growth_mb": growth[server],
        "q1_peak_mb": max(first_quarter, default=before[server]),
        "q4_peak_mb": max(last_quarter, default=before[server]),
    }


def cache_hit_rate(values: list[str], requests: int, *, seed: int) -> tuple[float, int]:
    """The look-alike cache's hit rate on these values sent `requests` times in turn, each to one
    of the 2 workers at random (each worker has its own LRU of lookup.lookalikes.CACHE_SIZE
    hosts): an estimate made here, the workers do not report theirs. Also the distinct hosts."""
    from detection.lookalike import path_matters
    from indicators.urlcanon import canonical_parts
    from lookup.lookalikes import CACHE_SIZE

    hosts: list[str | None] = []
    for value in values:
        if value.startswith(("http://", "https://")):
            host = canonical_parts(value).host
            hosts.append(None if path_matters(host) else host)
        elif "." in value and not value.startswith("+"):
            hosts.append(value.lower())
        else:
            hosts.append(None)  # a phone number: not scored
    caches = [lru_cache(maxsize=CACHE_SIZE)(lambda host: host) for _ in range(2)]
    rng = random.Random(seed)
    for n in range(requests):
        host = hosts[n % len(hosts)]
        if host is not None:
            caches[rng.randrange(2)](host)
    hits = sum(c.cache_info().hits for c in caches)
    misses = sum(c.cache_info().misses for c in caches)
    return hits / max(hits + misses, 1), len({h for h in hosts if h})


def run_server(args, var_dir: Path, key: str, port: int, *, lookalikes: bool, data: dict) -> dict:
    """Start gunicorn (the look-alike scorer on or off), run the single and batch checks (and,
    with the scorer on, the RPZ feed), stop it."""
    label = "on" if lookalikes else "off"
    server = start_gunicorn(var_dir, port, lookalikes=lookalikes)
    try:
        warm = warm_up(port, server.pid, key)
        pids = worker_pids(server.pid)
        SERVER_PIDS[:] = [server.pid, *pids]
        print(
            f"gunicorn, look-alike scorer {label}: 2 workers on 127.0.0.1:{port}, warm in "
            f"{warm:.1f} s (the master built the index of {args.listed:,}); worker RSS "
            f"{', '.join(f'{rss_mb(p):.0f}' for p in pids)} MB; load average "
            f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}",
            flush=True,
        )
        use_wrk = args.client == "wrk" or (args.client == "auto" and shutil.which("wrk"))

        def floor() -> dict:
            if use_wrk:
                return bench_floor_wrk(port, key, args.threads, args.seconds / 2)
            return bench_floor_python(port, args.threads, args.seconds / 2)

        floors = [floor()] if lookalikes else []
        if use_wrk:
            single = bench_single_wrk(port, key, data["singles"], args.threads, args.seconds)
        else:
            single = bench_single(port, key, data["singles"], args.threads, args.seconds)
        if lookalikes:
            floors.append(floor())
        listed = single["listed_share"]
        print(
            f"single checks (scorer {label}): {single['rps']:,.0f}/s over {single['count']:,} "
            f"requests, p50 {single['p50_ms']:.1f} ms, p99 {single['p99_ms']:.1f} ms "
            f"({single['client']}"
            + (f", {100 * listed:.1f}% listed" if listed is not None else "")
            + f") [target 2,000/s: {single['rps'] / 2000:.2f}x]",
            flush=True,
        )
        print(
            f"  the server spends {single['server_cpu_ms']:.2f} ms of CPU per check (gunicorn, "
            f"Django, the check, and a listed value's details from the database): "
            f"2 cores of its own would serve about {2000 / single['server_cpu_ms']:,.0f}/s",
            flush=True,
        )
        batch = bench_batch(port, key, data["urls"], max(2, args.threads // 2), args.seconds)
        print(
            f"batch checks (scorer {label}): {batch['url_checks_per_s']:,.0f} URLs/s over "
            f"{batch['batches']:,} batches of 1,000 (p50 {batch['p50_ms']:.0f} ms per batch, "
            f"{100 * batch['listed_share']:.1f}% listed) "
            f"[target 50,000/s: {batch['url_checks_per_s'] / 50000:.2f}x]",
            flush=True,
        )
        result = {"single": single, "batch": batch}
        if lookalikes:
            result["floor"] = report_floor(floors, single)
            result["rpz"] = bench_rpz(port, server.pid, key)
            result["packed"] = bench_rpz(port, server.pid, key, gzip=True)
        return result
    finally:
        stop(server)


def report_floor(floors: list[dict], single: dict) -> dict:
    """The floor runs (before and after the single checks) as one, and the checks against it."""
    count = sum(f["count"] for f in floors)
    seconds = sum(f["count"] / f["rps"] for f in floors)
    cpu_ms = sum(f["server_cpu_ms"] * f["count"] for f in floors) / max(count, 1)
    floor = {"rps": count / seconds, "server_cpu_ms": cpu_ms, "count": count}
    runs = ", ".join(f"{f['rps']:,.0f}/s" for f in floors)
    floor["ratio"] = single["rps"] / floor["rps"]
    print(
        f"floor (GET /api/bench-floor, fixed JSON through the same middleware, same server and "
        f"client): {floor['rps']:,.0f}/s over {count:,} requests (runs of "
        f"{runs}), server CPU {cpu_ms:.2f} ms per "
        f"request; single checks {single['rps']:,.0f}/s: floor_ratio {floor['ratio']:.2f} "
        f"[target 0.8]; the check itself costs {single['server_cpu_ms'] - cpu_ms:.2f} ms of "
        f"server CPU more than the floor",
        flush=True,
    )
    return floor


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--listed", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=float, default=12.0)
    parser.add_argument("--threads", type=int, default=6, help="client threads or connections")
    parser.add_argument(
        "--batch-urls", type=int, default=300_000, help="distinct URLs sent in batches"
    )
    parser.add_argument("--port", type=int, default=0, help="loopback port (default: any free)")
    parser.add_argument(
        "--client",
        choices=["auto", "wrk", "python"],
        default="auto",
        help="load generator for single checks: wrk when installed (auto), else Python threads",
    )
    args = parser.parse_args()

    var_dir = Path(tempfile.mkdtemp(prefix="canhgiac-bench-lookup-"))
    (var_dir / "static").mkdir()  # no collected files: WhiteNoise only warns about a missing one
    try:
        key, rows = prepare(var_dir, args.listed)
        data = {
            "singles": single_values(rows, 20_000, seed=11),
            "urls": check_urls(rows, args.batch_urls, seed=12),
        }
        domains = sum(1 for k, _v, _c in rows if k == "domain")
        del rows
        port = free_port(args.port)
        print(f"machine: {os.cpu_count()} CPU cores, shared by the server and the load generator")
        on = run_server(args, var_dir, key, port, lookalikes=True, data=data)
        off = run_server(args, var_dir, key, port, lookalikes=False, data=data)
        report(on, off, data, domains)
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)


def report(on: dict, off: dict, data: dict, domains: int) -> None:
    single, batch, rpz, packed = on["single"], on["batch"], on["rpz"], on["packed"]
    ratio_single = single["rps"] / off["single"]["rps"]
    ratio_batch = batch["url_checks_per_s"] / off["batch"]["url_checks_per_s"]
    single_hits, single_hosts = cache_hit_rate(data["singles"], single["count"], seed=1)
    batch_hits, batch_hosts = cache_hit_rate(data["urls"], 1000 * batch["batches"], seed=2)
    print(
        f"look-alike scorer on/off: single {single['rps']:,.0f}/{off['single']['rps']:,.0f} "
        f"= {ratio_single:.2f}, batch {batch['url_checks_per_s']:,.0f}/"
        f"{off['batch']['url_checks_per_s']:,.0f} = {ratio_batch:.2f}",
        flush=True,
    )
    print(
        f"  look-alike cache hit rate (estimated): single {100 * single_hits:.0f}% over "
        f"{single_hosts:,} distinct hosts, batch {100 * batch_hits:.0f}% over {batch_hosts:,} "
        f"({100 * POPULAR_SHARE:.0f}% of unlisted URLs on {POPULAR_HOSTS:,} popular hosts)",
        flush=True,
    )
    print(
        f"rpz: {rpz['mb']:.1f} MB, {rpz['lines']:,} lines ({domains:,} listed domains) in "
        f"{rpz['seconds']:.2f} s [target 10 s]; serving worker RSS {rpz['rss_before_mb']:.0f} "
        f"MB before, +{rpz['peak_growth_mb']:.1f} MB peak during the stream; peak in the "
        f"first quarter {rpz['q1_peak_mb']:.0f} MB, in the last {rpz['q4_peak_mb']:.0f} MB",
        flush=True,
    )
    print(
        f"rpz gzip: {packed['mb']:.1f} MB in {packed['seconds']:.2f} s, "
        f"+{packed['peak_growth_mb']:.1f} MB peak",
        flush=True,
    )
    print(
        f"load average {', '.join(f'{x:.2f}' for x in os.getloadavg())}: other work on the same "
        f"cores makes these figures pessimistic",
        flush=True,
    )
    print(
        f"RESULT single_per_s={single['rps']:.0f} batch_urls_per_s={batch['url_checks_per_s']:.0f} "
        f"scorer_ratio_single={ratio_single:.3f} scorer_ratio_batch={ratio_batch:.3f} "
        f"single_rps={single['rps']:.0f} single_p99_ms={single['p99_ms']:.1f} "
        f"batch_url_checks_per_s={batch['url_checks_per_s']:.0f} "
        f"rpz_s={rpz['seconds']:.2f} rpz_peak_mb={rpz['peak_growth_mb']:.1f} "
        f"floor_rps={on['floor']['rps']:.0f} floor_ratio={on['floor']['ratio']:.3f}"
    )


if __name__ == "__main__":
    main()
