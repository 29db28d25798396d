"""Send one drill campaign to 10,000 recipients through a local SMTP sink, then record tracking
events over HTTP from concurrent clients for --seconds (50,000 or more at the target rate); print mails/s, events/s, p99 and events
lost (target: ≥ 300 mails/s, ≥ 1,000 events/s, 0 lost).

A fresh database (SQLite in a temporary folder, or with --database-url a fresh PostgreSQL
database made from it); the SMTP sink of bench/support/smtp_sink.py in processes of its own;
drills.sending.send_due in this process; gunicorn as bin/serve runs it for the tracking
endpoints; wrk (Debian's) as the clients, with a Lua script that sends the opening pixel and
the link of every recipient in turn. An event is lost when its request was answered 2xx and no
row records it. Ports are taken from 19850-19899.

    .venv/bin/python bench/drills.py [--recipients 10000] [--seconds 40] [--workers 3]

Ends with `RESULT mails_per_s=… events_per_s=… lost=…`."""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

from support.processes import free_ports, fresh_postgres, start_gunicorn  # type: ignore[import-not-found]  # noqa: E402  # bench/ on sys.path

PORTS = range(19850, 19900)
DOMAIN = "so-thu-nghiem.gov.vn"
WRK_SCRIPT = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args)
  ids = {}
  for line in io.lines(os.getenv("BENCH_IDS")) do table.insert(ids, line) end
  counter, answered, ok = 0, 0, 0
end
function request()
  counter = counter + 1
  local id = ids[(math.floor(counter / 2) % #ids) + 1]
  if counter % 2 == 0 then return wrk.format("GET", "/d/" .. id .. "/o.gif") end
  return wrk.format("GET", "/d/" .. id)
end
function response(status, headers, body)
  answered = answered + 1
  if status == 200 or status == 302 then ok = ok + 1 end
end
function done(summary, latency, requests)
  for _, t in ipairs(threads) do
    io.write(string.format("OK %d DONE %d\\n", t:get("ok"), t:get("answered")))
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
        text_body="Chào {{name}} ({{unit}}),\\nXác minh tại: {{link}}\\n" * 5,
        cues="Địa chỉ gửi lạ.\\nThư doạ khoá hộp thư.",
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


def send_all(campaign) -> tuple[int, float]:  # type: ignore[no-untyped-def]
    from drills.sending import send_due

    started = time.perf_counter()
    sent = 0
    while True:
        batch = send_due(limit=500)
        sent += batch
        if batch == 0:
            break
    return sent, time.perf_counter() - started


def age_sent_mail(campaign) -> None:  # type: ignore[no-untyped-def]
    """Delivered an hour ago: the bench's clients are people, not scanners at delivery."""
    from datetime import timedelta

    from django.utils import timezone

    campaign.recipients.update(sent_at=timezone.now() - timedelta(hours=1))


def wait_for(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"{url} did not answer")


def run_wrk(port: int, ids_file: Path, script: Path, args: argparse.Namespace) -> dict[str, float]:
    env = {
        **os.environ,
        "BENCH_IDS": str(ids_file),
    }
    # A user agent of a phone's browser (the server tells people from scanners by it).
    agent = "Mozilla/5.0 (Linux; Android 13) AppleWebKit/537.36 Chrome/124.0 Mobile Safari/537.36"
    command = [
        "wrk", "-t", str(args.threads), "-c", str(args.connections), "-d", f"{args.seconds}s",
        "--latency", "-s", str(script), "-H", f"User-Agent: {agent}",
        f"http://127.0.0.1:{port}",
    ]  # fmt: skip
    started = time.perf_counter()
    out = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
    seconds = time.perf_counter() - started
    ok = sum(int(m) for m in re.findall(r"OK (\d+) DONE", out))
    answered = sum(int(m) for m in re.findall(r"DONE (\d+)", out))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    p99_ms = float(p99.group(1)) * scale[p99.group(2)] if p99 else float("nan")
    requests = re.search(r"(\d+) requests in ([\d.]+)(s|m)", out)
    wrk_seconds = (
        float(requests.group(2)) * (60 if requests.group(3) == "m" else 1) if requests else seconds
    )
    return {"ok": ok, "answered": answered, "seconds": wrk_seconds, "p99_ms": p99_ms}


def run(args: argparse.Namespace) -> None:
    smtp_port, http_port = free_ports(2, PORTS)
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
    campaign = seed(args.recipients, smtp_port)
    counts_file = var / "counts.json"
    sink = subprocess.Popen(
        [sys.executable, str(ROOT / "bench/support/smtp_sink.py"), str(smtp_port),
         str(counts_file), str(args.sinks)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert sink.stdout is not None and sink.stdout.readline().strip() == "ready"
    try:
        sent, send_seconds = send_all(campaign)
    finally:
        sink.terminate()
        sink.wait(timeout=60)
    counts: Counter[str] = Counter()
    for part in var.glob(f"{counts_file.name}.*"):
        counts.update(json.loads(part.read_text()))
    mails_per_s = round(sent / send_seconds) if send_seconds else 0
    print(
        f"sent {sent} drill mails in {send_seconds:.1f} s; the sink received {sum(counts.values())}"
    )

    from drills.models import Event, EventKind

    age_sent_mail(campaign)
    ids_file = var / "ids.txt"
    ids_file.write_text("\n".join(campaign.recipients.values_list("tracking_id", flat=True)))
    script = var / "events.lua"
    script.write_text(WRK_SCRIPT)
    before = Event.objects.exclude(kind=EventKind.SENT).count()
    server = start_gunicorn(var, http_port, env=env, extra=["--workers", str(args.workers)])
    try:
        wait_for(f"http://127.0.0.1:{http_port}/healthz")
        figures = run_wrk(http_port, ids_file, script, args)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
    recorded = Event.objects.exclude(kind=EventKind.SENT).count() - before
    lost = max(0, int(figures["ok"]) - recorded)
    events_per_s = round(figures["ok"] / figures["seconds"]) if figures["seconds"] else 0
    result = {
        "recipients": args.recipients,
        "mails_sent": sent,
        "mails_received_by_sink": sum(counts.values()),
        "mails_per_s": mails_per_s,
        "events_answered": int(figures["answered"]),
        "events_ok": int(figures["ok"]),
        "events_recorded": recorded,
        "events_per_s": events_per_s,
        "p99_ms": round(figures["p99_ms"], 1),
        "lost": lost,
        "database": "postgresql" if args.database_url else "sqlite",
    }
    print(json.dumps(result, ensure_ascii=False))
    print(f"RESULT mails_per_s={mails_per_s} events_per_s={events_per_s} lost={lost}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument(
        "--seconds", type=int, default=40, help="how long the clients send (≥ 50,000 events)"
    )
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections")
    parser.add_argument("--sinks", type=int, default=1, help="SMTP sink processes")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    run(parser.parse_args())


if __name__ == "__main__":
    main()
