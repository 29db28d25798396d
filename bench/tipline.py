"""Many people chatting with the tipline at once: `--conversations` (200) conversations, each
sending `--messages-per-conversation` (5) signed Zalo events to the webhook, one after the other
as a person does (the next once the answer to the last has arrived); print messages answered
per second, the p99 from an event's POST to its answer received by the (fake) Zalo, and the
events lost (no answer within `--answer-timeout`) or doubled (answered twice).

Every process is real and on loopback: a fresh database (SQLite in a temporary folder, or with
--database-url a fresh PostgreSQL database made from it), gunicorn as bin/serve runs it
(canhgiac/gunicorn_conf.py) serving the webhook, `--workers` (2) `manage.py run_tipline`
processes answering, and the fake Zalo OA of tipline/testing/fake_zalo_chat.py in this process,
recording each customer-service message with the time it arrived. Every server binds port 0
(gunicorn is handed the bound socket). The mix, by conversation: a forwarded scam SMS then
other checks; bare links, phone numbers and domains; greetings and questions; a whole report
("Tố giác", what happened, money lost, commune: the tracking code). Every message of the mix
gets exactly one answer, so the person's next cs message is the answer to their last event.
A few warm-up conversations run first (run_tipline loads or trains the classifier and builds
the matcher before it takes events; the first answers of each process are still slower) and
are not counted.

    .venv/bin/python bench/tipline.py [--conversations 200] [--messages-per-conversation 5]
        [--workers 2] [--web-workers 2] [--database-url postgres://…] [--redis-url redis://…]
        [--profile FILE]

An answer is the fake's record of a cs message; the bench knows which event it answers from the
database afterwards (OutboundMessage.external_id is the fake's message id, its event the
event). Doubled: a cs message that no stored answer claims (sent twice), or an answer the fake
got twice. Ends with `RESULT messages_per_s=… p99_ms=… lost=… doubled=…`."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))  # first: this file would shadow the tipline app

from support.processes import (  # type: ignore[import-not-found]  # noqa: E402  # bench/ on sys.path
    bench_env,
    cpu_seconds,
    fresh_postgres,
    listening_socket,
    percentile,
    start_gunicorn,
    stop,
    wait_for,
    worker_pids,
)

if TYPE_CHECKING:
    from tipline.testing.fake_zalo_chat import FakeZaloChat

SCAM_SMS = [
    "[VCB] Tai khoan cua quy khach bi tam khoa do chua cap nhat sinh trac hoc. Vui long truy "
    "cap https://vietcombank-xacthuc{n}.com/login de xac thuc ngay truoc 24h.",
    "Ban da trung thuong 1 xe SH tu chuong trinh tri an khach hang. Nhan giai tai "
    "http://tri-an-khach-hang{n}.top/nhan-qua, phi nhan giai 500k.",
    "Cong an quan thong bao: ban lien quan vu an rua tien, goi ngay 0912{n:06d} de hop tac, "
    "khong duoc noi voi ai.",
    "Viec nhe luong cao: like video TikTok nhan 300k/ngay, lien he Zalo 0987{n:06d}, chuyen "
    "truoc 200k de kich hoat tai khoan.",
]
LINKS = [
    "http://vcb-xacminh{n}.com/dn",
    "0912{n:06d}",
    "shopee-khuyenmai{n}.xyz",
    "https://bidv.com.vn",
]
GREETINGS = ["Xin chào", "alo ad ơi", "Cho em hỏi chút", "#huong_dan", "cảm ơn"]
REPORT = [
    SCAM_SMS[0],
    "#to_giac",
    "Tôi bấm vào link, nhập mã OTP rồi bị trừ tiền trong tài khoản",
    "5 triệu",
    "Xã Một Một",
]


def script(index: int, count: int) -> list[str]:
    """The messages of conversation `index`: one of four kinds of people, `count` messages."""
    kind = index % 4
    if kind == 0:
        pool = [SCAM_SMS[(index + k) % len(SCAM_SMS)] for k in range(4)] + LINKS
    elif kind == 1:
        pool = LINKS + SCAM_SMS[:1]
    elif kind == 2:
        pool = GREETINGS
    else:
        pool = REPORT + SCAM_SMS[1:] + LINKS
    return [pool[k % len(pool)].format(n=index * 100 + k) for k in range(count)]


# --- the fake Zalo, told about each answer ----------------------------------------------------


def make_fake() -> FakeZaloChat:
    """The fake Zalo OA of the tests, waking the person waiting for an answer."""
    from bulletins.testing._server import Reply, Request
    from tipline.testing.fake_zalo_chat import FakeZaloChat

    class BenchZalo(FakeZaloChat):
        def __init__(self) -> None:
            super().__init__(port=0, window_hours=48, replies_per_window=1000)
            self.arrivals: dict[str, list[float]] = {}  # user -> arrival times
            self.waiting: dict[str, threading.Condition] = {}

        def _cs(self, request: Request, values: dict[str, str]) -> Reply:
            with self.lock:
                before = len(self.cs_messages)
                reply = super()._cs(request, values)
                if len(self.cs_messages) > before:
                    last = self.cs_messages[-1]
                    self.arrivals.setdefault(last["user_id"], []).append(float(last["time"]))
                    waiting = self.waiting.get(last["user_id"])
                    if waiting is not None:
                        waiting.notify_all()  # only the one person waiting for it wakes
            return reply

        def count_for(self, user: str) -> int:
            with self.lock:
                return len(self.arrivals.get(user, ()))

        def forget_arrivals(self) -> None:
            with self.lock:
                self.cs_messages.clear()
                self.arrivals.clear()

        def wait_for(self, user: str, count: int, timeout: float) -> float | None:
            """The arrival time of the user's `count`-th message, waiting up to `timeout`."""
            deadline = time.monotonic() + timeout
            with self.lock:
                condition = self.waiting.setdefault(user, threading.Condition(self.lock))
                while True:
                    mine = self.arrivals.get(user, [])
                    if len(mine) >= count:
                        return mine[count - 1]
                    left = deadline - time.monotonic()
                    if left <= 0:
                        return None
                    condition.wait(left)

    fake = BenchZalo()
    fake.start()
    return fake


# --- one person -----------------------------------------------------------------------------


@dataclass
class Sent:
    msg_id: str
    posted_at: float  # wall clock (the fake records time.time())
    status: int
    answered_at: float | None = None


@dataclass
class Person:
    index: int
    user: str
    messages: list[str]
    sent: list[Sent] = field(default_factory=list)


def post(url: str, event: dict[str, Any], secret: str) -> int:
    from tipline.testing.fake_zalo_chat import sign_event

    body = json.dumps(event, ensure_ascii=False).encode()
    header = sign_event(
        body, app_id=str(event["app_id"]), timestamp=str(event["timestamp"]), secret=secret
    )
    request = urllib.request.Request(  # noqa: S310 (loopback)
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "X-ZEvent-Signature": header},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
            answer.read()
            return int(answer.status)
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return 0


def chat(person: Person, fake: Any, url: str, timeout: float) -> None:
    """Send each message, then wait for its answer (at least one more cs message)."""
    from tipline.testing.fake_zalo_chat import zalo_event

    for n, text in enumerate(person.messages):
        expected = fake.count_for(person.user) + 1
        fake.user_wrote(person.user)  # Zalo opens the window when the person writes
        msg_id = f"bench{person.index}-{n}"
        event = zalo_event("text", person.user, msg_id, text=text, app_id=fake.app_id)
        sent = Sent(msg_id, time.time(), 0)
        sent.status = post(url, event, fake.oa_secret_key)
        person.sent.append(sent)
        if sent.status != 200:
            continue
        sent.answered_at = fake.wait_for(person.user, expected, timeout)


# --- set-up ---------------------------------------------------------------------------------


def seed(fake: FakeZaloChat) -> None:
    from bulletins.models import ChannelAccount, ChannelKey
    from orgs.testing import build_world

    build_world()
    account = ChannelAccount(key=ChannelKey.ZALO)
    account.set_credentials(
        {
            "app_id": fake.app_id,
            "secret_key": fake.secret_key,
            "access_token": fake.access_token,
            "refresh_token": fake.refresh_token,
            "access_expires_at": time.time() + 86400,
            "oa_secret_key": fake.oa_secret_key,
            "mode": "messages",
        }
    )
    account.save()


def start_workers(
    count: int, env: dict[str, str], profile: str | None
) -> list[subprocess.Popen[bytes]]:
    """`count` run_tipline processes (under cProfile, to PROFILE.<n>, with --profile)."""
    command = ["manage.py", "run_tipline", "--skip-checks", "--poll", "0.05"]
    return [
        subprocess.Popen(
            [sys.executable, *(["-m", "cProfile", "-o", f"{profile}.{n}"] if profile else [])]
            + command,
            cwd=ROOT,
            env=env,
            start_new_session=True,
        )
        for n in range(count)
    ]


def warm_up(fake: Any, url: str, workers: int, timeout: float) -> None:
    """A few conversations of every kind before the clock starts (each worker process's first
    answers, its caches cold). Their answers are then forgotten."""
    people = [Person(-1 - i, f"84{8_000_000_000 + i}", script(i, 5)) for i in range(4 * workers)]
    with ThreadPoolExecutor(max_workers=len(people)) as pool:
        for future in [pool.submit(chat, p, fake, url, timeout) for p in people]:
            future.result()
    fake.forget_arrivals()


# --- figures --------------------------------------------------------------------------------


def figures(people: list[Person], fake: Any, seconds: float) -> dict[str, Any]:
    """What the fake received, tied to the events through the stored answers."""
    from tipline.models import InboundEvent, OutboundMessage

    stored = dict(
        OutboundMessage.objects.exclude(external_id="").values_list("external_id", "event_id")
    )
    cs_ids = Counter(m["message_id"] for m in fake.cs_messages)
    unclaimed = sum(n for mid, n in cs_ids.items() if mid not in stored)
    repeated = sum(n - 1 for n in cs_ids.values() if n > 1)
    # The same answer (event, position) sent twice would show as two cs messages of one text
    # for one user with only one stored row: caught by "unclaimed".
    events = list(people_sent(people))
    posted = [s for s in events if s.status == 200]
    answered = [s for s in posted if s.answered_at is not None]
    latencies = sorted((s.answered_at - s.posted_at) * 1000 for s in answered)  # type: ignore[operator]
    answered_ids = set(stored.values())
    event_ids = dict(InboundEvent.objects.values_list("message_id", "pk"))
    never = [s for s in posted if event_ids.get(s.msg_id) not in answered_ids]
    late_or_lost = len(posted) - len(answered)
    return {
        "conversations": len(people),
        "events_posted": len(events),
        "events_accepted": len(posted),
        "events_refused": len(events) - len(posted),
        "answers_received": len(fake.cs_messages),
        "seconds": round(seconds, 2),
        "messages_per_s": round(len(answered) / seconds, 1) if seconds else 0,
        "p50_ms": round(percentile(latencies, 0.50), 1) if latencies else None,
        "p99_ms": round(percentile(latencies, 0.99), 1) if latencies else None,
        "max_ms": round(latencies[-1], 1) if latencies else None,
        "lost": late_or_lost + (len(events) - len(posted)),
        "never_answered": len(never),
        "doubled": unclaimed + repeated,
    }


def people_sent(people: list[Person]) -> list[Sent]:
    return [s for p in people for s in p.sent]


def run(args: argparse.Namespace) -> None:
    var = Path(tempfile.mkdtemp(prefix="bench-tipline-"))
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    os.environ.pop("DATABASE_URL", None)
    env = {
        **bench_env(var),
        "CANHGIAC_SITE_URL": "https://canhgiac.example.vn",
        "CANHGIAC_TIPLINE_PERSON_PER_MINUTE": "1000",
        "DJANGO_SETTINGS_MODULE": "canhgiac.settings",
        "PYTHONPATH": str(ROOT),
    }
    if args.database_url:
        env["DATABASE_URL"] = fresh_postgres(args.database_url, "bench_tipline")
    if args.redis_url:  # the shared cache (leases, pauses, rate limits) in Redis
        env["REDIS_URL"] = args.redis_url
    else:
        os.environ.pop("REDIS_URL", None)
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    fake = make_fake()
    os.environ["CANHGIAC_ZALO_API_BASE"] = os.environ["CANHGIAC_ZALO_OAUTH_BASE"] = fake.base_url
    env.update(CANHGIAC_ZALO_API_BASE=fake.base_url, CANHGIAC_ZALO_OAUTH_BASE=fake.base_url)
    call_command("migrate", verbosity=0, skip_checks=True)
    call_command("createcachetable", verbosity=0)
    seed(fake)
    from django.db import connection

    connection.close()
    child_env = {**os.environ, **env}
    sock = listening_socket()
    port = sock.getsockname()[1]
    server = start_gunicorn(
        var, env=child_env, extra=["--workers", str(args.web_workers)], sock=sock
    )
    workers = start_workers(args.workers, child_env, args.profile)
    people = [
        Person(i, f"84{9_000_000_000 + i}", script(i, args.messages_per_conversation))
        for i in range(args.conversations)
    ]
    url = f"http://127.0.0.1:{port}/tipline/zalo/webhook"
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz", 90, process=server)
        warm_up(fake, url, args.workers, args.answer_timeout)
        web = worker_pids(server.pid)
        cpu_web = cpu_seconds(web)
        cpu_workers = cpu_seconds([w.pid for w in workers])
        load = os.getloadavg()[0]
        print(
            f"{args.conversations} conversations × {args.messages_per_conversation} messages, "
            f"{args.web_workers} gunicorn workers, {args.workers} run_tipline workers, "
            f"{'postgresql' if args.database_url else 'sqlite'}; load average {load:.1f}",
            flush=True,
        )
        started = time.time()
        own_cpu = time.process_time()
        with ThreadPoolExecutor(max_workers=args.conversations) as pool:
            for future in [pool.submit(chat, p, fake, url, args.answer_timeout) for p in people]:
                future.result()
        answered = [s.answered_at for s in people_sent(people) if s.answered_at]
        seconds = (max(answered) if answered else time.time()) - started
        time.sleep(args.grace)  # anything sent late (a double) arrives before counting
        own_cpu = time.process_time() - own_cpu
        cpu_web = cpu_seconds(web) - cpu_web
        cpu_workers = cpu_seconds([w.pid for w in workers]) - cpu_workers
    finally:
        for process in (server, *workers):
            stop(process)
        sock.close()
    result = figures(people, fake, seconds)
    fake.stop()
    done = max(int(result["answers_received"]), 1)
    result.update(
        web_cpu_ms_per_event=round(1000 * cpu_web / max(result["events_accepted"], 1), 2),
        worker_cpu_ms_per_answer=round(1000 * cpu_workers / done, 2),
        bench_cpu_ms_per_answer=round(1000 * own_cpu / done, 2),  # clients and the fake Zalo
        load_average=[round(n, 2) for n in os.getloadavg()],
        database="postgresql" if args.database_url else "sqlite",
        cache="redis" if args.redis_url else "database",
    )
    print(json.dumps(result, ensure_ascii=False))
    print(
        f"RESULT messages_per_s={result['messages_per_s']} p99_ms={result['p99_ms']} "
        f"lost={result['lost']} doubled={result['doubled']}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--conversations", type=int, default=200)
    parser.add_argument("--messages-per-conversation", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2, help="manage.py run_tipline processes")
    parser.add_argument("--web-workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--answer-timeout", type=float, default=30.0, help="seconds: else lost")
    parser.add_argument("--profile", help="run the workers under cProfile, to FILE.<n>")
    parser.add_argument("--grace", type=float, default=3.0, help="seconds to wait for doubles")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--redis-url", default="", help="REDIS_URL for the cache (default: DB)")
    run(parser.parse_args())


if __name__ == "__main__":
    main()
