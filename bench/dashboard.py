"""Dashboard at province scale (issue 18, point 8): fill a fresh database with 1,000,000
reports over 3 years (with their cases, listings, decisions and appeals), 100,000 staff in 100
communes with training records, 20 drill campaigns and published bulletins; build the daily
roll-ups of those 3 years; time the roll-up of one day; then, through HTTP against gunicorn as
bin/serve runs it, the province page and a commune page (p95 of --requests each) and the XLSX
and PDF exports of the province (the slowest of --exports runs each).

Targets on SQLite: each page under 300 ms at p95, each export under 5 s, the roll-up of one day
under 10 s. A fresh database: SQLite in a temporary folder, or with --database-url a fresh
PostgreSQL database next to the one it names. Ports are taken from 19720-19759.

    .venv/bin/python bench/dashboard.py [--reports 1000000] [--staff 100000] [--requests 30]
        [--keep] [--reuse VAR_DIR]

`--keep` leaves the seeded SQLite folder (its path is printed); `--reuse` times that folder
again without seeding or the backfill (the one-day roll-up runs again).

Ends with `RESULT province_p95_ms=… commune_p95_ms=… xlsx_s=… pdf_s=… rollup_s=… province_cold_ms=…
commune_cold_ms=…` (cold: the first view after a roll-up, before the sums are kept in memory)."""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import time
import urllib.request
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))  # first: bench/dashboard.py would shadow the dashboard app

from support.processes import (  # type: ignore[import-not-found]  # noqa: E402  # bench/ on sys.path
    free_ports,
    fresh_postgres,
    percentile,
    start_gunicorn,
    stop,
    wait_for,
)

PORTS = range(19720, 19760)
BATCH = 5000
COMMUNES = 100
CAMPAIGNS = 20
rng = random.Random(18)


def _units():  # type: ignore[no-untyped-def]  # Django models, set up late
    """The test world and COMMUNES communes and wards under the province."""
    from orgs.models import Unit, UnitKind
    from orgs.testing import build_world

    world = build_world()
    province = world.unit("P")
    for n in range(COMMUNES):
        kind = UnitKind.WARD if n % 4 == 0 else UnitKind.COMMUNE
        province.add_child(code=f"X{n:03d}", name=f"Xã Thử {n:03d}", kind=kind)
        province.refresh_from_db()
    return world, list(Unit.objects.filter(code__startswith="X").order_by("code"))


def _staff(world, communes, count: int, joined: datetime) -> list[int]:  # type: ignore[no-untyped-def]
    from django.contrib.auth.hashers import make_password

    from orgs.models import Role, RoleAssignment, User

    password = make_password(None)
    for start in range(0, count, BATCH):
        User.objects.bulk_create(
            User(username=f"cb-{n}", password=password, first_name=f"Cán bộ {n}",
                 email=f"cb-{n}@so-thu-nghiem.gov.vn", home_unit=communes[n % len(communes)],
                 date_joined=joined)
            for n in range(start, min(start + BATCH, count))
        )  # fmt: skip
    for name, unit in (("quan_ly_tinh", world.unit("P")), ("quan_ly_xa", communes[0])):
        user = User.objects.create(username=name, password=password, home_unit=unit)
        RoleAssignment.objects.create(user=user, unit=unit, role=Role.UNIT_MANAGER)
        world.people[name] = user
    return list(User.objects.filter(username__startswith="cb-").values_list("pk", flat=True))


def _training(world, staff: list[int], start: datetime) -> int:  # type: ignore[no-untyped-def]
    from training.models import Assignment, Completion, Quiz, Verb

    quiz = Quiz.objects.create(slug="bench", title="Kiểm tra nhận diện lừa đảo")
    made = 0
    for n in range(4):
        created = start + timedelta(days=270 * n)
        assignment = Assignment.objects.create(
            title=f"Khoá {n + 1}", unit=world.unit("P"), quiz=quiz if n % 2 == 0 else None,
            deadline=created + timedelta(days=60), created_by=world.person("admin"),
            created_at=created,
        )  # fmt: skip
        rows = []
        for person in staff:
            if rng.random() > 0.7:
                continue
            satisfied = rng.random() < 0.8
            success = (rng.random() < 0.85) if satisfied and assignment.quiz_id else None
            when = created + timedelta(days=rng.uniform(0, 60))
            rows.append(
                Completion(user_id=person, assignment=assignment, satisfied=satisfied,
                           completion=satisfied, success=success,
                           verb=Verb.PASSED if success else Verb.COMPLETED,
                           completed_at=when if satisfied else None, timestamp=when)
            )  # fmt: skip
        Completion.objects.bulk_create(rows, batch_size=BATCH)
        made += len(rows)
    return made


def _cases_for(reports, events: list) -> None:  # type: ignore[no-untyped-def]
    """A case for about a third of the reports (up to 3 reports of one commune each): 60% listed
    after 1 to 200 hours, 25% cleared, the rest still open."""
    from indicators.models import Status
    from reports.models import AuditAction, AuditEvent, Case

    by_unit: dict[int, list] = {}
    for report in reports:
        if rng.random() < 0.33:
            by_unit.setdefault(report.unit_id, []).append(report)
    groups = [group[i : i + 3] for group in by_unit.values() for i in range(0, len(group), 3)]
    cases = []
    for group in groups:
        first = min(r.created_at for r in group)
        fate = rng.random()
        decided = first + timedelta(hours=rng.uniform(1, 200)) if fate < 0.85 else None
        cases.append(Case(unit_id=group[0].unit_id, created_at=first, closed_at=decided,
                          report_count=len(group), status="closed" if decided else "open"))  # fmt: skip
    Case.objects.bulk_create(cases)
    links = []
    for case, group in zip(cases, groups, strict=True):
        links += [Case.reports.through(case_id=case.pk, report_id=r.pk) for r in group]
        if case.closed_at is not None:
            listed = rng.random() < 0.7
            events.append(AuditEvent(
                at=case.closed_at, actor_label="bench", case_id=case.pk,
                action=AuditAction.CONFIRMED if listed else AuditAction.DECIDED,
                after={"status": Status.LISTED if listed else Status.CLEARED},
            ))  # fmt: skip
    Case.reports.through.objects.bulk_create(links, batch_size=BATCH)


def _reports(communes, count: int, start: datetime, days: int) -> int:  # type: ignore[no-untyped-def]
    from django.db import transaction

    from reports.models import AuditEvent, Channel, Report, ScamType

    scam_types, channels = ScamType.values, Channel.values
    seconds = days * 86400
    for first in range(0, count, BATCH):
        reports = []
        for n in range(first, min(first + BATCH, count)):
            money = rng.choice((None, None, 0, rng.randrange(50_000, 200_000_000, 1000)))
            reports.append(Report(
                tracking_code=f"B{n:011d}", channel=rng.choice(channels),
                scam_type=rng.choice(scam_types), money_lost=money, source="form",
                unit=communes[rng.randrange(len(communes))],
                created_at=start + timedelta(seconds=rng.randrange(seconds)),
            ))  # fmt: skip
        with transaction.atomic():
            Report.objects.bulk_create(reports)
            events: list = []
            _cases_for(reports, events)
            AuditEvent.objects.bulk_create(events, batch_size=BATCH)
        if first % 100_000 == 0:
            print(f"  {first + len(reports):,} reports", flush=True)
    return count


def _appeals(world, start: datetime, days: int, count: int = 2000) -> None:  # type: ignore[no-untyped-def]
    from indicators.models import Indicator, Status
    from reports.models import Appeal, AppealStatus

    indicator = Indicator.objects.create(kind="phone", value="+84900000009", status=Status.LISTED)
    rows = []
    for n in range(count):
        created = start + timedelta(days=rng.uniform(0, days))
        status = rng.choice((AppealStatus.DELISTED, AppealStatus.REJECTED, AppealStatus.RECEIVED))
        decided = created + timedelta(days=rng.uniform(1, 10))
        rows.append(Appeal(
            tracking_code=f"BA{n:010d}", kind="phone", value=indicator.value, indicator=indicator,
            unit=world.unit("P"), owner_name="Chủ số", owner_contact="chu@example.test",
            explanation="Số của tôi", status=status, deadline=created + timedelta(days=15),
            decided_at=None if status == AppealStatus.RECEIVED else decided, created_at=created,
        ))  # fmt: skip
    Appeal.objects.bulk_create(rows, batch_size=BATCH)


def _drills(world, staff: list[int], start: datetime, days: int, per_campaign: int) -> int:  # type: ignore[no-untyped-def]
    from drills.loading import load_drill_templates
    from drills.models import (
        Campaign,
        Event,
        EventKind,
        LandingPage,
        Recipient,
        SendingProfile,
        Template,
    )

    load_drill_templates()
    templates = list(Template.objects.all())
    profile = SendingProfile.objects.create(
        name="Bench", unit=world.unit("P"), sender_domain="dien-tap.example"
    )
    landing = LandingPage.objects.order_by("pk")[0]
    sent_total = 0
    for n in range(CAMPAIGNS):
        begins = start + timedelta(days=days * (n + 0.5) / CAMPAIGNS)
        campaign = Campaign.objects.create(
            name=f"Diễn tập {n + 1}", unit=world.unit("P"), template=templates[n % len(templates)],
            landing_page=landing, sending_profile=profile, window_start=begins.date(),
            window_end=begins.date() + timedelta(days=4), status="done",
            created_by=world.person("drill_operator"),
        )  # fmt: skip
        recipients = []
        for person in rng.sample(staff, per_campaign):
            sent = begins + timedelta(minutes=rng.uniform(0, 4 * 24 * 60))
            recipients.append(Recipient(campaign=campaign, person_id=person,
                                        email=f"{person}@x.test", due_at=sent, sent_at=sent))  # fmt: skip
        Recipient.objects.bulk_create(recipients, batch_size=BATCH)
        events = []
        for r in recipients:
            roll = rng.random()
            if roll < 0.25:
                at = r.sent_at + timedelta(minutes=rng.lognormvariate(3, 1.2))
                events.append(Event(recipient=r, kind=EventKind.REPORTED, at=at))
            elif roll < 0.37:
                events.append(Event(recipient=r, kind=EventKind.CLICKED,
                                    at=r.sent_at + timedelta(minutes=rng.uniform(1, 600))))  # fmt: skip
        Event.objects.bulk_create(events, batch_size=BATCH)
        sent_total += len(recipients)
    return sent_total


def _bulletins(world, start: datetime, days: int, count: int = 300) -> None:  # type: ignore[no-untyped-def]
    from bulletins.models import Bulletin, Kind, OutboxItem, Revision

    editor = world.person("editor")
    for n in range(count):
        published = start + timedelta(days=days * n / count)
        bulletin = Bulletin.objects.create(
            kind=Kind.WARNING, slug=f"canh-bao-{n}", unit=world.unit("P"), status="published",
            created_by=editor, published_at=published,
        )  # fmt: skip
        revision = Revision.objects.create(
            bulletin=bulletin, number=1, state="published", title=f"Cảnh báo {n}",
            summary="Thử", body_markdown="Thử", written_by=editor, published_at=published,
        )  # fmt: skip
        OutboxItem.objects.create(key=f"zalo:{n}", revision=revision, channel="zalo",
                                  status="sent", sent_at=published)  # fmt: skip


def seed(args: argparse.Namespace) -> dict[str, object]:
    from django.utils import timezone

    started = time.perf_counter()
    today = timezone.localdate()
    days = 365 * args.years
    first_day = today - timedelta(days=days)
    start = timezone.make_aware(datetime.combine(first_day, datetime.min.time()))
    world, communes = _units()
    staff = _staff(world, communes, args.staff, start)
    completions = _training(world, staff, start)
    print(f"  {len(staff):,} staff, {completions:,} training records", flush=True)
    _reports(communes, args.reports, start, days)
    _appeals(world, start, days)
    mails = _drills(world, staff, start, days, min(args.per_campaign, len(staff)))
    _bulletins(world, start, days)
    return {
        "world": world, "communes": communes, "first_day": first_day, "today": today,
        "mails": mails, "completions": completions,
        "seed_s": round(time.perf_counter() - started, 1),
    }  # fmt: skip


class _People:
    """The people of a reused database, found by user name as the seeding world names them."""

    def person(self, name: str):  # type: ignore[no-untyped-def]  # Django models, set up late
        from orgs.models import User

        return User.objects.get(username=name)


def reused(args: argparse.Namespace) -> dict[str, object]:
    """What `seed` returns, read back from a database it filled before."""
    from django.utils import timezone

    from drills.models import Recipient
    from orgs.models import Unit
    from reports.models import Report
    from training.models import Completion

    first = Report.objects.order_by("created_at").values_list("created_at", flat=True).first()
    assert first is not None, "nothing seeded in this folder"
    return {
        "world": _People(),
        "communes": list(Unit.objects.filter(code__startswith="X").order_by("code")),
        "first_day": timezone.localtime(first).date(),
        "today": timezone.localdate(),
        "mails": Recipient.objects.count(),
        "completions": Completion.objects.count(),
        "seed_s": 0.0,
    }


def session_cookie(user) -> str:  # type: ignore[no-untyped-def]
    """A signed-in session for `user`, as the sign-in page would leave it (unit managers need
    no TOTP)."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"


def fetch(url: str, cookie: str) -> tuple[float, int, bytes]:
    request = urllib.request.Request(url, headers={"Cookie": cookie})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=120) as response:
        body = response.read()
        status = response.status
    return time.perf_counter() - started, status, body


def cold_ms(url: str, cookie: str) -> float:
    """One request just after a roll-up: the sums are read from the roll-up rows again (later
    requests before the next roll-up take them from the worker's memory, dashboard/source.py)."""
    from dashboard.source import rollups_changed

    rollups_changed()
    seconds, status, _body = fetch(url, cookie)
    assert status == 200, (url, status)
    return round(seconds * 1000, 1)


def p95_ms(url: str, cookie: str, count: int) -> float:
    fetch(url, cookie)  # warm: the first request of a worker loads templates and translations
    times = []
    for _ in range(count):
        seconds, status, body = fetch(url, cookie)
        assert status == 200 and b"<table" in body, (url, status)
        times.append(seconds * 1000)
    times.sort()
    return round(percentile(times, 0.95), 1)


def slowest_s(url: str, cookie: str, count: int, magic: bytes) -> float:
    worst = 0.0
    for _ in range(count):
        seconds, status, body = fetch(url, cookie)
        assert status == 200 and body.startswith(magic), (url, status, body[:80])
        worst = max(worst, seconds)
    return round(worst, 2)


def roll_up(seeded: dict[str, object], *, backfill: bool = True) -> dict[str, float]:
    """The roll-ups of every day since the first (not with `backfill` off: a reused folder
    has them), then the time of rebuilding yesterday alone."""
    from dashboard.rollup import roll_up_day, roll_up_range

    first_day, today = seeded["first_day"], seeded["today"]
    assert isinstance(first_day, date) and isinstance(today, date)
    started = time.perf_counter()
    if backfill:
        roll_up_range(first_day, today + timedelta(days=1))
    backfill_s = time.perf_counter() - started
    started = time.perf_counter()
    roll_up_day(today - timedelta(days=1))
    return {"backfill_s": round(backfill_s, 1), "rollup_s": round(time.perf_counter() - started, 2)}


def run(args: argparse.Namespace) -> None:
    (http_port,) = free_ports(1, PORTS)
    var = Path(args.reuse) if args.reuse else Path(tempfile.mkdtemp(prefix="bench-dashboard-"))
    env = {
        "CANHGIAC_VAR_DIR": str(var),
        "CANHGIAC_HTTPS": "0",
        "CANHGIAC_SITE_URL": f"http://127.0.0.1:{http_port}",
        "DJANGO_SETTINGS_MODULE": "canhgiac.settings",
        "PYTHONPATH": str(ROOT),
    }
    os.environ.pop("DATABASE_URL", None)
    if args.database_url and args.reuse:
        raise SystemExit("--reuse times a kept SQLite folder; not with --database-url")
    if args.database_url:
        env["DATABASE_URL"] = fresh_postgres(args.database_url, "bench_dashboard")
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, skip_checks=True)
    call_command("createcachetable", verbosity=0)
    seeded = reused(args) if args.reuse else seed(args)
    print(f"seeded in {seeded['seed_s']} s (folder {var})", flush=True)
    timing = roll_up(seeded, backfill=not args.reuse)
    print(f"roll-ups of {args.years} years in {timing['backfill_s']} s", flush=True)
    world, communes = seeded["world"], seeded["communes"]
    province_cookie = session_cookie(world.person("quan_ly_tinh"))  # type: ignore[attr-defined]
    commune_cookie = session_cookie(world.person("quan_ly_xa"))  # type: ignore[attr-defined]
    base = f"http://127.0.0.1:{http_port}/staff/dashboard"
    province_url = f"{base}/P/?period=month"
    commune_url = f"{base}/{communes[0].code}/?period=month"  # type: ignore[index]
    server = start_gunicorn(var, http_port, env=env, extra=["--workers", str(args.workers)])
    try:
        wait_for(f"http://127.0.0.1:{http_port}/healthz")
        province = p95_ms(province_url, province_cookie, args.requests)
        commune = p95_ms(commune_url, commune_cookie, args.requests)
        # The first view after a roll-up (the slowest of a few, each after a new roll-up token;
        # the two workers each take some).
        province_cold = max(cold_ms(province_url, province_cookie) for _ in range(4))
        commune_cold = max(cold_ms(commune_url, commune_cookie) for _ in range(4))
        xlsx = slowest_s(f"{base}/P/xlsx/?period=month", province_cookie, args.exports, b"PK")
        pdf = slowest_s(f"{base}/P/pdf/?period=month", province_cookie, args.exports, b"%PDF")
    finally:
        stop(server, timeout=60)
    result = {
        "reports": args.reports, "staff": args.staff, "campaigns": CAMPAIGNS,
        "drill_mails": seeded["mails"], "training_records": seeded["completions"],
        "seed_s": seeded["seed_s"], **timing, "province_p95_ms": province,
        "commune_p95_ms": commune, "province_cold_ms": province_cold,
        "commune_cold_ms": commune_cold, "xlsx_s": xlsx, "pdf_s": pdf,
        "database": "postgresql" if args.database_url else "sqlite",
    }  # fmt: skip
    print(json.dumps(result, ensure_ascii=False))
    if args.keep or args.reuse:
        print(f"kept: {var} (time it again with --reuse {var})")
    elif not args.database_url:
        shutil.rmtree(var, ignore_errors=True)
    print(
        f"RESULT province_p95_ms={province} commune_p95_ms={commune} xlsx_s={xlsx} pdf_s={pdf} "
        f"rollup_s={timing['rollup_s']} province_cold_ms={province_cold} "
        f"commune_cold_ms={commune_cold}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=1_000_000)
    parser.add_argument("--staff", type=int, default=100_000)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--per-campaign", type=int, default=15_000, help="drill mails each")
    parser.add_argument("--requests", type=int, default=30, help="timed requests per page")
    parser.add_argument("--exports", type=int, default=3, help="timed runs per export")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--keep", action="store_true", help="keep the seeded SQLite folder")
    parser.add_argument("--reuse", default="", help="time a folder kept by --keep again")
    run(parser.parse_args())


if __name__ == "__main__":
    main()
