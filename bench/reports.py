"""Benchmark of report submission: POST /api/reports/ under gunicorn, then count what was stored.

Builds a fresh SQLite database in a temporary CANHGIAC_VAR_DIR (or, with DATABASE_URL set,
uses that PostgreSQL database, created when missing: the role needs CREATEDB), migrates, loads
the demo unit tree (orgs/data/units.csv) and issues one partner key per client with a high
rate_per_minute: a partner's bot submitting for many citizens, so that the anonymous
per-address limit (REPORTS_API_RATE_PER_IP) does not stop a bench that comes from one address.
Starts gunicorn as bin/serve does (`-c python:canhgiac.gunicorn_conf`, gthread, keep-alive) on
loopback, waits for /healthz, then for --seconds (default 60):

    clients  Python threads, each with its own kept-alive http.client connection and partner
             key, submit distinct reports: a unique Vietnamese message with a phone number, a
             link and a bank account (varied scam types, channels, units; a share of them
             names a "campaign" phone that other reports name too, so cases grow), each with
             an Idempotency-Key; a share is sent again with the same key, some at once (racing
             the first) and some a second later. Each answer's status and latency is recorded.

A submission is answered as soon as the report and its filing task are stored; a real task
worker (`manage.py db_worker`, --task-workers processes) files the reports into cases. With
--worker during (the default) the worker runs during the load and competes for the same cores
(and, on SQLite, for the one write lock); with --worker after it starts once the load is over
(a burst absorbed, then filed). After the load the bench waits for the queue to drain (at most
--drain-timeout seconds) and checks that every accepted report was filed: marked filed, in a
case, with its indicators. It prints the intake rate (the RESULT figure), the worker's filing
rate and how long the queue took to drain.

Afterwards (gunicorn stopped, so nothing is in flight) it counts the Report rows of this run's
keys and their indicators, and compares them with the answers:
    lost        201 answers whose tracking code is not stored
    duplicates  an Idempotency-Key stored more than once, or answered with two tracking codes
    unanswered  stored reports whose submission got no 201 (a request cut short)
The load generator shares the machine's cores with the server (loopback only), so the figure is
what the server does while the clients also run; the load average of the machine is printed.

    .venv/bin/python bench/reports.py [--seconds 60] [--clients 8] [--workers 2] [--threads 4]
        [--worker during|after] [--task-workers 1] [--worker-nice 0]
    DATABASE_URL=postgres://canhgiac:canhgiac-ci@127.0.0.1:5432/canhgiac_bench .venv/bin/python \
        bench/reports.py

Target on SQLite: 300 accepted reports/s, no 5xx, none lost. It exits non-zero, after printing
everything, on a 5xx, a failed request, a lost or duplicated report, or a report left unfiled
once the queue drained (or the drain timed out). The last line is
    RESULT reports_per_s=… p99_ms=… errors_5xx=… lost=…
"""

from __future__ import annotations

import argparse
import csv
import heapq
import http.client
import itertools
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from support import processes  # bench/ is the script's folder
from support.processes import (
    bench_env,
    cpu_seconds,
    free_port,
    percentile,
    stop,
    wait_for,
    worker_pids,
)
from support.synthetic import Synthetic

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
UNITS_CSV = ROOT / "orgs" / "data" / "units.csv"

# --- payloads -----------------------------------------------------------------------------------

MOBILE_PREFIXES = ["090", "091", "093", "094", "096", "097", "098", "086", "088", "070", "079",
                   "081", "083", "085", "032", "035", "038", "039", "056", "058"]  # fmt: skip
BANKS = ["Vietcombank", "Techcombank", "BIDV", "Agribank", "VPBank", "ACB", "MB Bank", "Sacombank"]
CHANNELS = ["sms", "zalo", "facebook", "call", "telegram", "website", "email"]
# scam type -> message template ({n} makes each message unique)
TEMPLATES = {
    "impersonation_authority": "Cong an quan thong bao ho so {n} cua ban lien quan vu an, goi "
    "ngay {phone} va chuyen tien xac minh vao STK {account} {bank}, chi tiet {url}",
    "fake_bank_sms": "[{bank}] Tai khoan cua quy khach bi tam khoa (ma {n}). Cap nhat tai {url} "
    "hoac lien he {phone}, hoan phi ve STK {account} {bank}",
    "fake_website": "Nhận quà tri ân khách hàng mã {n} tại {url}, hỗ trợ {phone}, phí nhận quà "
    "chuyển vào STK {account} {bank}",
    "job_task": "Việc nhẹ lương cao, làm nhiệm vụ đơn {n}, liên hệ Zalo {phone}, nạp cọc vào "
    "STK {account} {bank}, đăng ký {url}",
    "investment": "Đầu tư tiền ảo lãi 30%/tháng, nhóm {n}: {url} , gọi {phone}, nạp vốn STK "
    "{account} {bank}",
    "loan_app": "Vay nhanh 50 triệu không thế chấp, hồ sơ {n}, tải app {url} gọi {phone}, phí "
    "giải ngân vào STK {account} {bank}",
    "fake_bill": "Thue bao cua ban se bi khoa sau 24h (ma {n}), cap nhat dinh danh {url} hoac "
    "goi {phone}, nop phi STK {account} {bank}",
    "fake_shop": "Đơn hàng {n} giao không thành công, thanh toán phí ship {url} , shipper "
    "{phone}, chuyển khoản STK {account} {bank}",
}


def unit_codes() -> list[str]:
    with UNITS_CSV.open(encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    return [r["code"] for r in rows if r["kind"] in ("commune", "ward", "special_zone", "district")]


class Reports:
    """Distinct report payloads, numbered; thread-safe numbering."""

    def __init__(self, *, seed: int, units: list[str], shared_share: float) -> None:
        self.rng = random.Random(seed)
        self.syn = Synthetic(seed, longest_name=10)
        self.units = units
        self.shared_share = shared_share
        self.offset = self.rng.randrange(10**6)  # new numbers on every run (PostgreSQL keeps rows)
        self.campaign = [self.phone(10**6 + n) for n in range(40)]
        self.counter = itertools.count()
        self.lock = threading.Lock()

    def phone(self, n: int) -> str:
        prefix = MOBILE_PREFIXES[n % len(MOBILE_PREFIXES)]
        return f"{prefix}{(self.offset + n // len(MOBILE_PREFIXES)) % 10**7:07d}"

    def next(self) -> tuple[int, dict]:
        with self.lock:  # Random and Synthetic are not thread-safe
            n = next(self.counter)
            rng = self.rng
            scam_type = rng.choice(list(TEMPLATES))
            shared = rng.random() < self.shared_share
            url = f"https://{self.syn.domain(n)}{self.syn.path(rng.randint(1, 2))}"
            body = {
                "channel": rng.choice(CHANNELS),
                "scam_type": scam_type,
                "message_text": TEMPLATES[scam_type].format(
                    n=f"{self.offset}-{n}",
                    phone=rng.choice(self.campaign) if shared else self.phone(n),
                    account=f"{10**11 + self.offset * 10**5 + n}",
                    bank=rng.choice(BANKS),
                    url=url,
                ),
                "unit_code": rng.choice(self.units),
                "money_lost": rng.choice([None, 0, 500_000, 2_000_000, 15_000_000]),
            }
            if rng.random() < 0.3:
                body.update(contact_phone=self.phone(n + 7), consent_to_contact=True)
        return n, body


# --- database and server ------------------------------------------------------------------------


def ensure_postgres_database(url: str) -> None:
    """CREATE DATABASE when the one named in DATABASE_URL does not exist yet."""
    import dj_database_url
    import psycopg
    from psycopg import sql

    db = dj_database_url.parse(url)
    params = dict(
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        user=db["USER"],
        password=db["PASSWORD"],
    )
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]]
        ).fetchone()
        if not exists:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db["NAME"])))
            print(f"database: created {db['NAME']}")


def prepare(var_dir: Path, clients: int) -> tuple[list[tuple[int, str]], str]:
    """Migrate, load the unit tree, issue one partner key per client. Returns ([(key id, raw
    key)], database engine)."""
    os.environ["CANHGIAC_VAR_DIR"] = str(var_dir)
    os.environ["CANHGIAC_HTTPS"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "canhgiac.settings")
    if os.environ.get("DATABASE_URL"):
        ensure_postgres_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from orgs.models import PartnerKey, Unit
    from orgs.services import import_units_csv

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    import_units_csv(text=UNITS_CSV.read_text(encoding="utf-8"))
    root = Unit.objects.get(code="TINH")
    stamp = time.strftime("%Y-%m-%d %H:%M:%S")
    keys = []
    for n in range(clients):
        key, raw = PartnerKey.issue(
            name=f"Bench bot {n + 1} ({stamp})", unit=root, rate_per_minute=100_000_000
        )
        keys.append((key.pk, raw))
    engine = connection.vendor
    connection.close()
    print(
        f"database: {engine}, migrated, {Unit.objects.count()} units, {clients} partner keys "
        f"in {time.perf_counter() - started:.1f} s",
        flush=True,
    )
    connection.close()
    return keys, engine


def start_gunicorn(var_dir: Path, port: int, workers: int, threads: int) -> subprocess.Popen:
    return processes.start_gunicorn(
        var_dir, port, env={}, extra=["--workers", str(workers), "--threads", str(threads)]
    )


def start_task_workers(var_dir: Path, count: int, nice: int) -> list[subprocess.Popen]:
    """Real `manage.py db_worker` processes on the bench's database, as bin/serve runs them."""
    env = {**os.environ, **bench_env(var_dir)}
    workers = []
    for n in range(count):
        log = (var_dir / f"worker-{n}.log").open("w")
        command = [
            *(["nice", "-n", str(nice)] if nice else []),
            sys.executable, "manage.py", "db_worker",
            "--no-startup-delay", "--no-reload", "--interval", "0.2",
            "--worker-id", f"bench-{n}",
        ]  # fmt: skip
        workers.append(
            subprocess.Popen(
                command,
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        )
    return workers


# --- load ---------------------------------------------------------------------------------------


@dataclass
class Answer:
    key: str  # Idempotency-Key
    retry: bool
    status: int  # 0: no answer (connection error or timeout)
    seconds: float
    tracking_code: str = ""
    error: str = ""


class Retries:
    """Submissions to send again: due at once (they race the first) or a second later."""

    def __init__(self) -> None:
        self.heap: list[tuple[float, int, int, str, bytes]] = []
        self.lock = threading.Lock()
        self.order = itertools.count()

    def push(self, due: float, client: int, key: str, body: bytes) -> None:
        with self.lock:
            heapq.heappush(self.heap, (due, next(self.order), client, key, body))

    def pop_due(self, now: float) -> tuple[int, str, bytes] | None:
        with self.lock:
            if self.heap and self.heap[0][0] <= now:
                _due, _n, client, key, body = heapq.heappop(self.heap)
                return client, key, body
        return None


def post(port: int, state: dict, raw_key: str, key: str, body: bytes) -> tuple[int, bytes]:
    """One POST on the thread's kept-alive connection, reopened when the server closed it. A
    request that failed is not sent again here: the bench must see every failure."""
    connection = state.get("connection")
    if connection is None:
        connection = state["connection"] = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {
        "Content-Type": "application/json",
        "X-Api-Key": raw_key,
        "Idempotency-Key": key,
    }
    try:
        connection.request("POST", "/api/reports/", body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
    except (http.client.HTTPException, OSError):
        connection.close()
        state["connection"] = None
        raise
    if response.will_close:
        connection.close()
        state["connection"] = None
    return response.status, data


def client_loop(
    n: int,
    *,
    port: int,
    keys: list[tuple[int, str]],
    reports: Reports,
    retries: Retries,
    retry_share: float,
    stop_at: float,
    answers: list[Answer],
) -> None:
    rng = random.Random(n)
    state: dict = {}
    while time.perf_counter() < stop_at:
        retry = retries.pop_due(time.perf_counter())
        if retry is not None:
            client, key, body = retry
        else:
            number, payload = reports.next()
            client, key = n, f"bench-{reports.offset}-{number}"
            body = json.dumps(payload).encode()
            if rng.random() < retry_share:
                # Queued before the first is sent: half of them race it on another client.
                delay = 0.0 if rng.random() < 0.5 else 1.0
                retries.push(time.perf_counter() + delay, client, key, body)
        started = time.perf_counter()
        try:
            status, data = post(port, state, keys[client][1], key, body)
        except (http.client.HTTPException, OSError) as error:
            answers.append(Answer(key, retry is not None, 0, time.perf_counter() - started,
                                  error=repr(error)))  # fmt: skip
            continue
        elapsed = time.perf_counter() - started
        code, error = "", ""
        if status in (200, 201):
            code = json.loads(data)["tracking_code"]
        else:
            error = data[:300].decode(errors="replace")
        answers.append(Answer(key, retry is not None, status, elapsed, code, error))


def run_load(
    args, port: int, keys, reports: Reports, pids: list[int], seconds: float, quiet: bool = False
) -> tuple[list, float]:
    retries = Retries()
    answers: list[Answer] = []  # list.append is atomic under the GIL
    server_cpu, client_cpu = cpu_seconds(pids), time.process_time()
    started = time.perf_counter()
    threads = [
        threading.Thread(
            target=client_loop,
            args=(n,),
            kwargs=dict(
                port=port,
                keys=keys,
                reports=reports,
                retries=retries,
                retry_share=args.retry_share,
                stop_at=started + seconds,
                answers=answers,
            ),
        )
        for n in range(args.clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    server_cpu = cpu_seconds(pids) - server_cpu
    client_cpu = time.process_time() - client_cpu
    if quiet:
        return answers, elapsed
    per_request = server_cpu / max(len(answers), 1)
    print(
        f"cpu: server {server_cpu:.1f} s ({1000 * per_request:.2f} ms per request), load "
        f"generator {client_cpu:.1f} s, over {elapsed:.1f} s of {os.cpu_count()} cores: the "
        f"server's cores alone would serve about {os.cpu_count() / max(per_request, 1e-9):.0f} "
        "requests/s (if the database's write lock allowed it)",
        flush=True,
    )
    return answers, elapsed


# --- counting -----------------------------------------------------------------------------------


def count_stored(key_ids: list[int], since) -> dict:
    """What this run's partner keys stored, from the database."""
    from django.db.models import Count
    from django_tasks_db.models import DBTaskResult

    from reports.models import Case, Report

    run = Report.objects.filter(partner_key_id__in=key_ids)
    rows = list(run.values_list("tracking_code", "idempotency_key"))
    links = Report.indicators.through.objects.filter(report__partner_key_id__in=key_ids)
    per_report = Counter(
        links.values("report_id").annotate(n=Count("id")).values_list("n", flat=True)
    )
    cases = Case.objects.filter(reports__partner_key_id__in=key_ids).distinct()
    filing = DBTaskResult.objects.filter(task_path=FILING_TASK, enqueued_at__gte=since)
    return {
        "unfiled": run.filter(filed_at__isnull=True).count(),
        "without_case": run.filter(cases__isnull=True).count(),
        "failed_tasks": filing.filter(status="FAILED").count(),
        "codes": {code for code, _key in rows},
        "per_key": Counter(key for _code, key in rows),
        "indicator_links": sum(n * c for n, c in per_report.items()),
        "indicators": links.values("indicator_id").distinct().count(),
        "without_3_indicators": len(rows) - per_report.get(3, 0),
        "cases": cases.count(),
        "cases_without_indicator": cases.filter(indicators__isnull=True).count(),
        "tasks": DBTaskResult.objects.filter(enqueued_at__gte=since).count(),
    }


FILING_TASK = "reports.tasks.file_report_task"


def unfiled_count(key_ids: list[int]) -> int:
    from reports.models import Report

    return Report.objects.filter(partner_key_id__in=key_ids, filed_at__isnull=True).count()


def drain(key_ids: list[int], since, seconds: float) -> tuple[int, float]:
    """Wait until every report of this run is filed, no filing task is left to run (one
    failed), or `seconds` passed. Returns (reports still unfiled, seconds waited)."""
    from django.db import connection
    from django_tasks_db.models import DBTaskResult

    pending = DBTaskResult.objects.filter(
        task_path=FILING_TASK, enqueued_at__gte=since, status__in=["READY", "RUNNING"]
    )
    started = time.perf_counter()
    while True:
        unfiled = unfiled_count(key_ids)
        waited = time.perf_counter() - started
        if not unfiled or not pending.exists() or waited > seconds:
            connection.close()  # no read transaction of ours stays open on SQLite
            return unfiled, waited
        time.sleep(0.25)


def compare(answers: list[Answer], stored: dict) -> dict:
    by_key: dict[str, set[str]] = {}
    created_per_key: Counter = Counter()
    for a in answers:
        if a.status in (200, 201):
            by_key.setdefault(a.key, set()).add(a.tracking_code)
            created_per_key[a.key] += a.status == 201
    accepted = {a.tracking_code for a in answers if a.status == 201}
    answered = {code for codes in by_key.values() for code in codes}
    return {
        "accepted": len(accepted),
        "lost": len(accepted - stored["codes"]),
        "unanswered": len(stored["codes"] - answered),
        "stored_twice": sum(n - 1 for n in stored["per_key"].values() if n > 1),
        "two_codes": sum(1 for codes in by_key.values() if len(codes) > 1),
        "two_201": sum(1 for n in created_per_key.values() if n > 1),
    }


# --- main ---------------------------------------------------------------------------------------


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the load")
    parser.add_argument("--warmup", type=float, default=3.0, help="untimed load first")
    parser.add_argument("--clients", type=int, default=8, help="client threads (connections)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--port", type=int, default=0, help="loopback port (default: a free one)")
    parser.add_argument("--retry-share", type=float, default=0.05, help="reports sent twice")
    parser.add_argument(
        "--shared-share", type=float, default=0.2, help="reports naming a campaign phone"
    )
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument(
        "--worker",
        choices=["during", "after"],
        default="during",
        help="run the task worker during the load (competing for the cores) or start it after",
    )
    parser.add_argument("--task-workers", type=int, default=1, help="db_worker processes")
    parser.add_argument("--worker-nice", type=int, default=0, help="nice value of the workers")
    parser.add_argument(
        "--drain-timeout", type=float, default=600.0, help="longest wait for the queue to drain"
    )
    return parser.parse_args()


def summary(args, engine: str, warm, answers: list[Answer], elapsed: float, stored, found) -> dict:
    statuses = Counter(a.status for a in warm + answers)
    latencies = sorted(a.seconds for a in answers if a.status)
    retries = [a for a in answers if a.retry]
    errors_5xx = sum(n for s, n in statuses.items() if s >= 500)
    result = {
        "reports_per_s": found["accepted"] / elapsed,
        "p50_ms": 1000 * percentile(latencies, 0.5) if latencies else 0.0,
        "p95_ms": 1000 * percentile(latencies, 0.95) if latencies else 0.0,
        "p99_ms": 1000 * percentile(latencies, 0.99) if latencies else 0.0,
        "errors_5xx": errors_5xx,
        "failed": statuses.get(0, 0),
        "other": sum(n for s, n in statuses.items() if s not in (0, 200, 201) and s < 500),
        **found,
    }
    shown = ", ".join(f"{s or 'no answer'}: {n:,}" for s, n in sorted(statuses.items()))
    print(
        f"gunicorn {args.workers} workers x {args.threads} threads (gthread), {args.clients} "
        f"client threads with kept-alive connections, one partner key each; database {engine}"
    )
    print(
        f"requests: {len(answers):,} in {elapsed:.1f} s ({len(retries):,} retries with the same "
        f"Idempotency-Key), after {len(warm):,} in {args.warmup:.0f} s of warm-up (untimed); "
        f"statuses of all {shown}"
    )
    print(
        f"accepted (201): {found['accepted']:,} = {result['reports_per_s']:.1f} reports/s "
        f"[target 300/s: {result['reports_per_s'] / 300:.2f}x]; latency p50 "
        f"{result['p50_ms']:.1f} ms, p95 {result['p95_ms']:.1f} ms, p99 {result['p99_ms']:.1f} ms"
    )
    print(
        f"stored: {len(stored['codes']):,} reports, {stored['indicator_links']:,} report "
        f"indicators ({stored['indicators']:,} distinct), {stored['without_3_indicators']} "
        f"reports without their 3 indicators, {stored['cases']:,} cases "
        f"({stored['cases_without_indicator']} with no indicator), {stored['tasks']:,} tasks queued"
    )
    print(
        f"filed by the worker: {len(stored['codes']) - stored['unfiled']:,} of "
        f"{len(stored['codes']):,} ({stored['unfiled']} unfiled, {stored['without_case']} without "
        f"a case, {stored['failed_tasks']} filing tasks failed)"
    )
    print(
        f"lost (201 not stored): {found['lost']}; duplicates: {found['stored_twice']} stored "
        f"twice, {found['two_codes']} keys answered with two tracking codes, {found['two_201']} "
        f"keys answered 201 twice; stored without a 201: {found['unanswered']}"
    )
    for a in [a for a in warm + answers if a.status not in (200, 201)][:5]:
        print(f"  e.g. {a.status or 'no answer'}: {a.error[:200]}")
    return result


def filing_summary(args, *, stored_n: int, queued: int, drained: tuple, load_s: float, cpu: float):
    """The worker's side: what it filed during the load, and how long the queue took to drain."""
    unfiled, waited = drained
    during = stored_n - queued
    nice = f", nice {args.worker_nice}" if args.worker_nice else ""
    print(
        f"task worker: {args.task_workers} db_worker process(es){nice}, started "
        + ("with the load (competing for the cores)" if args.worker == "during" else "after it")
    )
    if args.worker == "during":
        print(
            f"filed during the load: {during:,} ({during / load_s:.1f}/s over "
            f"{load_s:.1f} s of warm-up and load)"
        )
    drained_n = queued - unfiled
    rate = drained_n / waited if waited else 0.0
    print(
        f"queue after the load: {queued:,} reports; drained {drained_n:,} in {waited:.1f} s "
        f"({rate:.1f} filed/s{', process start-up included' if args.worker == 'after' else ''})"
        + (f"; {unfiled:,} still unfiled" if unfiled else "")
    )
    print(f"cpu: task worker {cpu:.1f} s ({1000 * cpu / max(stored_n, 1):.2f} ms per report)")
    return rate


def main() -> int:
    args = arguments()
    var_dir = Path(tempfile.mkdtemp(prefix="canhgiac-bench-reports-"))
    (var_dir / "static").mkdir()  # no collected files: WhiteNoise only warns about a missing one
    server = None
    workers: list[subprocess.Popen] = []
    try:
        keys, engine = prepare(var_dir, args.clients)
        key_ids = [pk for pk, _raw in keys]
        reports = Reports(seed=args.seed, units=unit_codes(), shared_share=args.shared_share)
        port = args.port or free_port()
        server = start_gunicorn(var_dir, port, args.workers, args.threads)
        if args.worker == "during":
            workers = start_task_workers(var_dir, args.task_workers, args.worker_nice)
        wait_for(f"http://127.0.0.1:{port}/healthz", process=server)
        pids = [server.pid, *worker_pids(server.pid)]
        from django.utils import timezone

        since = timezone.now()
        load_before = os.getloadavg()
        load_started = time.perf_counter()
        # Each worker imports the views (and the detection app) on its first request: not timed.
        warm, _elapsed = run_load(args, port, keys, reports, pids, args.warmup, quiet=True)
        answers, elapsed = run_load(args, port, keys, reports, pids, args.seconds)
        load_s = time.perf_counter() - load_started
        load_after = os.getloadavg()
        stop(server)
        server = None
        queued = unfiled_count(key_ids)
        if args.worker == "after":
            workers = start_task_workers(var_dir, args.task_workers, args.worker_nice)
        drained = drain(key_ids, since, args.drain_timeout)
        worker_cpu = cpu_seconds([w.pid for w in workers])
        for worker in workers:
            stop(worker)
        workers = []
        stored = count_stored(key_ids, since)
        found = compare(warm + answers, stored)
        found["accepted"] = sum(1 for a in answers if a.status == 201)  # in the timed part
        result = summary(args, engine, warm, answers, elapsed, stored, found)
        result["without_3_indicators"] = stored["without_3_indicators"]
        result["filing_per_s"] = filing_summary(
            args,
            stored_n=len(stored["codes"]),
            queued=queued,
            drained=drained,
            load_s=load_s,
            cpu=worker_cpu,
        )
        result["drain_s"] = drained[1]
        result["unfiled"] = stored["unfiled"] + stored["without_case"]
        print(
            "machine load average (1, 5, 15 min): before "
            + ", ".join(f"{x:.2f}" for x in load_before)
            + "; after "
            + ", ".join(f"{x:.2f}" for x in load_after)
            + f" on {os.cpu_count()} cores (other processes than this bench included)"
        )
    finally:
        if server is not None:
            stop(server)
        for worker in workers:
            stop(worker)
        for log in sorted(var_dir.glob("worker-*.log")):
            text = log.read_text(errors="replace").strip()
            if "Traceback" in text:
                print(f"{log.name} (last lines):\n{text[-2000:]}")
        shutil.rmtree(var_dir, ignore_errors=True)
    print(
        f"RESULT reports_per_s={result['reports_per_s']:.1f} p99_ms={result['p99_ms']:.1f} "
        f"errors_5xx={result['errors_5xx']} lost={result['lost']} "
        f"filing_per_s={result['filing_per_s']:.1f} drain_s={result['drain_s']:.1f} "
        f"unfiled={result['unfiled']} worker={args.worker}"
    )
    failed = (
        result["errors_5xx"]
        or result["failed"]
        or result["other"]
        or result["lost"]
        or result["stored_twice"]
        or result["two_codes"]
        or result["two_201"]
        or result["without_3_indicators"]
        or result["unfiled"]
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
