"""Send one drill campaign to 10,000 recipients through a local SMTP sink, then record 50,000
tracking events over HTTP from concurrent clients; print mails/s, events/s, p99 and events lost
(target: ≥ 300 mails/s, ≥ 1,000 events/s, 0 lost).

A fresh database (SQLite in a temporary folder, or with --database-url a fresh PostgreSQL
database made from it); the SMTP sink of bench/support/smtp_sink.py in processes of its own;
drills.sending.send_due (what the periodic task and `manage.py send_drill_mail` run) in this
process; gunicorn as bin/serve runs it (canhgiac/gunicorn_conf.py, the project's settings but
for the per-address limits: every client here is 127.0.0.1) for the tracking endpoints; wrk
(Debian's) as the clients, with a Lua script in which each wrk thread owns a share of the
recipients and goes through them as people do: the opening pixel, the link, the landing page's
beacon, the form's "submitted", the pixel again (the mail read again later). Past --events
the clients stop. Each recipient's beacon and "submitted" are sent once (a second pass over
the recipients sends pixels and links instead), so that every answer has its row:

    pixel 200 -> an "opened" row        link 302 -> a "clicked" row, unconfirmed
    beacon 204 -> a person's click      submitted 302 -> a "submitted" row

An event is lost when its request was answered so and no row records it (rows are counted
afterwards, per kind; a request still in flight when wrk stops may add a row, never a loss).
The sender's and the web workers' CPU time per mail and per event are printed with the load
average: the machine is shared, and CPU per item is what moves least with the load. Ports are
taken from --ports (19850-19899).

    .venv/bin/python bench/drills.py [--recipients 10000] [--events 50000] [--workers 4]
                                     [--web-threads 1] [--database-url postgres://…]

The web workers are 4 processes of one thread each (CANHGIAC_WEB_THREADS=1), as a deployment
that runs drill campaigns on SQLite should set them: each tracking event writes, and threads of
one process wait for the GIL while holding the write lock (3 processes of 4 threads, bin/serve's
default shape, answered about 600 events/s here). --web-threads 4 --workers 3 measures that.

Ends with `RESULT mails_per_s=… events_per_s=… lost=…`."""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

from support.processes import (  # type: ignore[import-not-found]  # noqa: E402  # bench/ on sys.path
    cpu_seconds,
    free_ports,
    fresh_postgres,
    start_gunicorn,
    stop,
    wait_for,
    worker_pids,
)

DOMAIN = "so-thu-nghiem.gov.vn"
KINDS = ("pixel", "click", "beacon", "submitted")
WRK_SCRIPT = """
local threads, made = {}, 0
function setup(thread)
  thread:set("index", made)
  made = made + 1
  table.insert(threads, thread)
end
function init(args)
  local count = tonumber(os.getenv("BENCH_THREADS"))
  local events = tonumber(os.getenv("BENCH_EVENTS"))
  local all = {}
  for line in io.lines(os.getenv("BENCH_IDS")) do table.insert(all, line) end
  ids = {}
  for i = index + 1, #all, count do table.insert(ids, all[i]) end
  quota = math.floor(events / count) + ((index < events % count) and 1 or 0)
  sent, answered, failed = 0, 0, 0
  ok_pixel, ok_click, ok_beacon, ok_submitted = 0, 0, 0, 0
end
function request()
  local step, visit = sent % 5, math.floor(sent / 5)
  local id = ids[(visit % #ids) + 1]
  local again = visit >= #ids
  sent = sent + 1
  if step == 2 and not again then return wrk.format("POST", "/d/" .. id .. "/b", nil, "") end
  if step == 3 and not again then return wrk.format("POST", "/d/" .. id .. "/s", nil, "") end
  if step == 1 or step == 3 then return wrk.format("GET", "/d/" .. id) end
  return wrk.format("GET", "/d/" .. id .. "/o.gif")
end
function response(status, headers, body)
  answered = answered + 1
  local where = headers["Location"] or ""
  if status == 200 then ok_pixel = ok_pixel + 1
  elseif status == 204 then ok_beacon = ok_beacon + 1
  elseif status == 302 and where:find("/trang/$") then ok_click = ok_click + 1
  elseif status == 302 and where:find("/hoc/$") then ok_submitted = ok_submitted + 1
  else failed = failed + 1 end
  if answered >= quota then wrk.thread:stop() end
end
function done(summary, latency, requests)
  for _, t in ipairs(threads) do
    io.write(string.format("COUNTS %d %d %d %d %d %d\\n", t:get("answered"), t:get("failed"),
      t:get("ok_pixel"), t:get("ok_click"), t:get("ok_beacon"), t:get("ok_submitted")))
  end
end
"""


def seed(count: int, smtp_port: int):  # type: ignore[no-untyped-def]  # Django models, set up late
    """The test world, `count` staff of commune D1-C1, an approved campaign due now."""
    from datetime import time as day_time
    from datetime import timedelta

    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from drills.models import (
        Campaign,
        CampaignStatus,
        LandingPage,
        Recipient,
        SendingProfile,
        Template,
    )
    from orgs.models import User
    from orgs.testing import build_world
    from training.models import Lesson

    world = build_world()
    unit = world.unit("D1-C1")
    password = make_password(None)
    for start in range(0, count, 2000):
        User.objects.bulk_create(
            User(username=f"nguoi-{n}", email=f"nguoi-{n}@{DOMAIN}", first_name=f"Người {n}",
                 home_unit=unit, password=password)
            for n in range(start, min(start + 2000, count))
        )  # fmt: skip
    template = Template.objects.create(
        slug="bench", name="Bench", subject="[CNTT] Hộp thư của {{name}} sắp bị khoá",
        sender_name="Phòng CNTT", sender_local_part="cntt", difficulty=3,
        html_body='<p>Chào {{name}} ({{unit}}),</p><p><a href="{{link}}">Xác minh</a></p>' * 5,
        text_body="Chào {{name}} ({{unit}}),\nXác minh tại: {{link}}\n" * 5,
        cues="Địa chỉ gửi lạ.\nThư doạ khoá hộp thư.",
        lesson=Lesson.objects.create(
            slug="bench-mat-khau", title="Mật khẩu", topic="passwords", minutes=3,
            audience="all", body="Không nhập mật khẩu vào trang lạ.",
        ),
    )  # fmt: skip
    page = LandingPage.objects.create(slug="bench", name="Đăng nhập", html="<form></form>")
    profile = SendingProfile.objects.create(
        name="Sink", unit=world.unit("P"), smtp_host="127.0.0.1", smtp_port=smtp_port,
        sender_domain="thu-dien-tap.example",
    )  # fmt: skip
    today = timezone.localdate()
    campaign = Campaign.objects.create(
        name="Bench", unit=world.unit("P"), template=template, landing_page=page,
        sending_profile=profile, window_start=today, window_end=today + timedelta(days=1),
        day_start=day_time(0, 0), day_end=day_time(23, 59), status=CampaignStatus.SENDING,
        created_by=world.person("drill_operator"), approved_by=world.person("manager_d1"),
    )  # fmt: skip
    campaign.target_units.set([unit])
    # Due now (the random spread over the window is tested in drills/tests/test_sending.py).
    now = timezone.now()
    people = User.objects.filter(home_unit=unit, username__startswith="nguoi-")
    Recipient.objects.bulk_create(
        (Recipient(campaign=campaign, person=p, email=p.email, due_at=now) for p in people),
        batch_size=2000,
    )
    return campaign


def send_all(campaign) -> tuple[int, float, float]:  # type: ignore[no-untyped-def]
    """Everything due, batch after batch as the periodic task sends it: (sent, seconds, CPU
    seconds of this process, its SMTP threads included)."""
    from drills.sending import send_due

    started, cpu = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
    sent = 0
    while True:
        batch = send_due(limit=500)
        sent += batch
        if batch == 0:
            break
    used = resource.getrusage(resource.RUSAGE_SELF)
    cpu_used = used.ru_utime + used.ru_stime - cpu.ru_utime - cpu.ru_stime
    return sent, time.perf_counter() - started, cpu_used


def age_sent_mail(campaign) -> None:  # type: ignore[no-untyped-def]
    """Delivered an hour ago: the bench's clients are people, not scanners at delivery."""
    from datetime import timedelta

    from django.utils import timezone

    campaign.recipients.update(sent_at=timezone.now() - timedelta(hours=1))


def run_wrk(port: int, ids_file: Path, script: Path, args: argparse.Namespace) -> dict[str, Any]:
    env = {
        **os.environ,
        "BENCH_IDS": str(ids_file),
        "BENCH_THREADS": str(args.threads),
        "BENCH_EVENTS": str(args.events),
    }
    # A user agent of a phone's browser (the server tells people from scanners by it).
    agent = "Mozilla/5.0 (Linux; Android 13) AppleWebKit/537.36 Chrome/124.0 Mobile Safari/537.36"
    command = [
        "wrk", "-t", str(args.threads), "-c", str(args.connections), "-d", f"{args.seconds}s",
        "--timeout", "10s", "--latency", "-s", str(script), "-H", f"User-Agent: {agent}",
        f"http://127.0.0.1:{port}",
    ]  # fmt: skip
    started = time.time()
    clients = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True)
    wait_until_quiet(clients, started)
    clients.send_signal(signal.SIGINT)  # wrk prints its summary and exits
    out, _ = clients.communicate(timeout=60)
    seconds = last_event_at() - started
    counts = [0] * 6
    for line in re.findall(r"COUNTS ([\d ]+)", out):
        counts = [total + int(n) for total, n in zip(counts, line.split(), strict=True)]
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    p99_ms = float(p99.group(1)) * scale[p99.group(2)] if p99 else float("nan")
    errors = re.search(r"Socket errors: (.*)", out)
    answered, failed, *ok = counts
    return {
        "answered": answered,
        "failed": failed,
        **{f"ok_{kind}": n for kind, n in zip(KINDS, ok, strict=True)},
        "ok": sum(ok),
        "seconds": seconds,
        "p99_ms": p99_ms,
        "socket_errors": errors.group(1) if errors else "",
    }


def _tracking_events() -> Any:  # a QuerySet of drills' events (Django is set up late)
    from drills.models import Event, EventKind

    return Event.objects.exclude(kind=EventKind.SENT)


def last_event_at() -> float:
    last = _tracking_events().order_by("-at").values_list("at", flat=True).first()
    return last.timestamp() if last else time.time()


def wait_until_quiet(clients: subprocess.Popen[str], started: float) -> None:
    """Until the clients are done: every wrk thread stops once its share is answered, but wrk
    itself waits out its -d duration, so the rows are watched until they stop growing."""
    events, rows, quiet = _tracking_events(), -1, 0
    while clients.poll() is None and quiet < 4:
        time.sleep(0.5)
        now = events.count()
        quiet = quiet + 1 if now == rows and now > 0 else 0
        rows = now


def recorded_events(campaign) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """The rows each kind of answer must have made, counted in the database; and the people
    with more than one click or "submitted" (each must count once)."""
    from django.db.models import Count

    from drills.models import Event, EventKind, EventSource

    events = Event.objects.filter(recipient__campaign=campaign)
    clicks = events.filter(kind=EventKind.CLICKED)
    person_clicks = clicks.filter(source=EventSource.PERSON)
    submitted = events.filter(kind=EventKind.SUBMITTED)
    twice = 0
    for rows in (person_clicks, submitted):
        per_person = rows.values("recipient").annotate(n=Count("pk"))
        twice += per_person.filter(n__gt=1).count()
    return {
        "pixel": events.filter(kind=EventKind.OPENED).count(),
        "click": clicks.filter(source=EventSource.UNCONFIRMED).count(),
        "beacon": person_clicks.count(),
        "submitted": submitted.count(),
        "scanner": events.filter(source=EventSource.SCANNER).count(),
        "counted_twice": twice,
    }


def send_campaign(args: argparse.Namespace, var: Path, smtp_port: int):  # type: ignore[no-untyped-def]
    campaign = seed(args.recipients, smtp_port)
    counts_file = var / "counts.json"
    sink = subprocess.Popen(
        [sys.executable, str(ROOT / "bench/support/smtp_sink.py"), str(smtp_port),
         str(counts_file), str(args.sinks)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert sink.stdout is not None and sink.stdout.readline().strip() == "ready"
    load = os.getloadavg()[0]
    try:
        sent, seconds, cpu = send_all(campaign)
    finally:
        sink.terminate()
        sink.wait(timeout=60)
    counts: Counter[str] = Counter()
    for part in var.glob(f"{counts_file.name}.*"):
        counts.update(json.loads(part.read_text()))
    received = sum(counts.values())
    print(
        f"sent {sent} drill mails in {seconds:.1f} s ({cpu / max(sent, 1) * 1000:.2f} ms CPU "
        f"each in the sender; load average {load:.1f}); the sink received {received}"
    )
    return campaign, {
        "mails_sent": sent,
        "mails_received_by_sink": received,
        "mails_per_s": round(sent / seconds) if seconds else 0,
        "sender_cpu_ms_per_mail": round(cpu / max(sent, 1) * 1000, 2),
        "load_average_sending": round(load, 1),
    }


def all_workers(master: int, count: int) -> list[int]:
    """The master's worker processes once all `count` have started (the first may answer
    /healthz before the others are forked: their CPU would go uncounted)."""
    deadline = time.monotonic() + 30
    while len(workers := worker_pids(master)) < count and time.monotonic() < deadline:
        time.sleep(0.1)
    return workers


def track(args: argparse.Namespace, var: Path, env: dict[str, str], campaign, port: int):  # type: ignore[no-untyped-def]
    age_sent_mail(campaign)
    ids_file = var / "ids.txt"
    ids_file.write_text("\n".join(campaign.recipients.values_list("tracking_id", flat=True)))
    script = var / "events.lua"
    script.write_text(WRK_SCRIPT)
    extra = ["--workers", str(args.workers), "--threads", str(args.web_threads)]
    server = start_gunicorn(var, port, env=env, extra=extra)
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz")
        workers = all_workers(server.pid, args.workers)
        load, cpu = os.getloadavg()[0], cpu_seconds(workers)
        figures = run_wrk(port, ids_file, script, args)
        cpu = cpu_seconds(workers) - cpu
    finally:
        stop(server, timeout=60)
    rows = recorded_events(campaign)
    lost = {kind: max(0, int(figures[f"ok_{kind}"]) - rows[kind]) for kind in KINDS}
    ok = int(figures["ok"])
    print(
        f"{ok} events answered in {figures['seconds']:.1f} s ({figures['failed']:.0f} refused "
        f"or failed, socket errors: {figures['socket_errors'] or 'none'}); "
        f"{cpu / max(ok, 1) * 1000:.2f} ms CPU each in the web workers ({args.workers} "
        f"processes of {args.web_threads} thread(s)); load average {load:.1f}"
    )
    print("answered per kind:", {k: int(figures[f"ok_{k}"]) for k in KINDS}, "rows:", rows)
    return {
        "events_answered": int(figures["answered"]),
        "events_ok": ok,
        "events_failed": int(figures["failed"]),
        "events_recorded": {k: rows[k] for k in KINDS},
        "scanner_rows": rows["scanner"],
        "counted_twice": rows["counted_twice"],
        "events_per_s": round(ok / figures["seconds"]) if figures["seconds"] else 0,
        "web_cpu_ms_per_event": round(cpu / max(ok, 1) * 1000, 2),
        "p99_ms": round(figures["p99_ms"], 1),
        "lost": sum(lost.values()),
        "lost_per_kind": lost,
        "load_average_tracking": round(load, 1),
    }


def run(args: argparse.Namespace) -> None:
    first, last = (int(n) for n in args.ports.split("-"))
    smtp_port, http_port = free_ports(2, range(first, last + 1))
    var = Path(tempfile.mkdtemp(prefix="bench-drills-"))
    env = {
        "CANHGIAC_VAR_DIR": str(var),
        "CANHGIAC_HTTPS": "0",
        "CANHGIAC_SITE_URL": f"http://127.0.0.1:{http_port}",
        "DJANGO_SETTINGS_MODULE": "support.drills_settings",
        # The project first: bench/drills.py would shadow the drills app.
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "bench")]),
    }
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    os.environ.pop("DATABASE_URL", None)
    if args.database_url:
        env["DATABASE_URL"] = fresh_postgres(args.database_url, "bench_drills")
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, skip_checks=True)
    campaign, sending = send_campaign(args, var, smtp_port)
    tracking = track(args, var, env, campaign, http_port)
    result = {
        "recipients": args.recipients,
        **sending,
        **tracking,
        "database": "postgresql" if args.database_url else "sqlite",
    }
    print(json.dumps(result, ensure_ascii=False))
    mails_per_s, events_per_s, lost = result["mails_per_s"], result["events_per_s"], result["lost"]
    print(f"RESULT mails_per_s={mails_per_s} events_per_s={events_per_s} lost={lost}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=50_000, help="tracking requests in all")
    parser.add_argument(
        "--seconds", type=int, default=900, help="the clients stop after this at the latest"
    )
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument(
        "--web-threads", type=int, default=1,
        help="threads per gunicorn worker (CANHGIAC_WEB_THREADS; bin/serve's default is 4)",
    )  # fmt: skip
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections")
    parser.add_argument("--sinks", type=int, default=2, help="SMTP sink processes")
    parser.add_argument("--ports", default="19850-19899", help="loopback ports to take from")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    run(parser.parse_args())


if __name__ == "__main__":
    main()
