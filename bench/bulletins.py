"""Publish one warning to 100,000 email subscribers and to both fake channels, and time the
delivery: emails/s, seconds from the publishing commit to the last delivery, duplicates and
losses (target: ≥ 500 emails/s on this machine, 0 duplicates, 0 lost).

A fresh database (SQLite in a temporary folder, or with --database-url a fresh PostgreSQL
database made from it), an SMTP sink in `--sinks` processes of its own sharing one port
(bench/support/smtp_sink.py, aiosmtpd: a real mail server accepts in parallel),
the fake Zalo OA and Facebook Page of bulletins/testing in this process, and `--workers` real
`manage.py deliver_bulletins` processes, started before the bulletin is published. Ports are
taken from 19900-19949.

    .venv/bin/python bench/bulletins.py [--subscribers 100000] [--workers 4] [--sinks 2]

Ends with `RESULT emails_per_s=… duplicates=… lost=…`."""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from support.processes import free_ports, fresh_postgres  # type: ignore[import-not-found]  # noqa: E402  # bench/ on sys.path

if TYPE_CHECKING:
    from bulletins.testing.fake_facebook import FakeFacebook
    from bulletins.testing.fake_zalo import FakeZalo
    from orgs.testing import World

PORTS = range(19900, 19950)


def seed(count: int) -> World:
    """The test world, `count` confirmed subscribers of the province's list, both accounts."""
    from django.utils import timezone

    from bulletins.models import MailingList, Subscriber, SubscriberStatus
    from orgs.testing import build_world

    world = build_world()
    mailing_list = MailingList.objects.create(unit=world.unit("P"))
    now = timezone.now()
    for start in range(0, count, 5000):
        Subscriber.objects.bulk_create(
            Subscriber(
                mailing_list=mailing_list,
                email=f"nguoi-nhan-{n}@vi-du.vn",
                status=SubscriberStatus.CONFIRMED,
                confirmed_at=now,
            )
            for n in range(start, min(start + 5000, count))
        )
    return world


def save_accounts(zalo: FakeZalo, facebook: FakeFacebook) -> None:
    from bulletins.models import ChannelAccount

    zalo_credentials = {
        "app_id": zalo.app_id,
        "secret_key": zalo.secret_key,
        "access_token": zalo.access_token,
        "refresh_token": zalo.refresh_token,
        "access_expires_at": time.time() + 86400,
        "mode": "broadcast",
    }
    facebook_credentials = {"page_id": facebook.page_id, "page_token": facebook.token}
    for key, credentials in (("zalo", zalo_credentials), ("facebook", facebook_credentials)):
        account = ChannelAccount(key=key)
        account.set_credentials(credentials)
        account.save()


def publish(world: World) -> int:
    """One warning through the real services: written by one editor, approved by another
    (publishing writes the outbox rows in its transaction); returns the revision's id."""
    from bulletins import services
    from bulletins.models import Kind
    from orgs.models import Role, RoleAssignment, User

    author = world.person("editor")
    approver = User.objects.create(username="editor-bench", home_unit=world.unit("P"))
    RoleAssignment.objects.create(user=approver, unit=world.unit("P"), role=Role.EDITOR)
    content = services.Content(
        title="Cảnh báo: tin nhắn giả mạo ngân hàng đòi cập nhật tài khoản",
        summary="Ngân hàng không gửi đường dẫn đăng nhập qua tin nhắn. Đừng bấm vào.",
        body_markdown="Nhiều người nhận tin nhắn **giả mạo ngân hàng**.\n\n- Không bấm đường dẫn.\n- Gọi tổng đài in trên thẻ.",
    )
    bulletin = services.create_bulletin(
        kind=Kind.WARNING, unit=world.unit("P"), author=author, content=content
    )
    services.submit_for_review(bulletin=bulletin, editor=author)
    revision = bulletin.pending_revision()
    assert revision is not None
    services.publish(revision=revision, approver=approver)
    return revision.pk


def start_fakes(zalo_port: int, facebook_port: int) -> tuple[FakeZalo, FakeFacebook]:
    from bulletins.testing.fake_facebook import FakeFacebook
    from bulletins.testing.fake_zalo import FakeZalo

    zalo, facebook = FakeZalo(port=zalo_port), FakeFacebook(port=facebook_port)
    zalo.start()
    facebook.start()
    return zalo, facebook


def wait_until_done(revision_id: int, *, timeout: float) -> None:
    from django.db import connection

    from bulletins.models import DeliveryStatus, OutboxItem

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        items = OutboxItem.objects.filter(revision_id=revision_id)
        if not items.filter(status__in=(DeliveryStatus.QUEUED, DeliveryStatus.SENDING)).exists():
            return
        connection.close()  # SQLite: a fresh read snapshot each time
        time.sleep(0.5)
    raise SystemExit(f"not delivered after {timeout:.0f} s")


def figures(
    revision_id: int,
    counts: dict[str, int],
    zalo: FakeZalo,
    facebook: FakeFacebook,
    subscribers: int,
) -> dict[str, object]:
    from django.db.models import Max, Min

    from bulletins.models import EmailDelivery, OutboxItem, Subscriber

    item_times = OutboxItem.objects.filter(revision_id=revision_id).aggregate(
        published=Min("created_at"), posts_done=Max("sent_at")
    )
    mails = EmailDelivery.objects.filter(item__revision_id=revision_id)
    last_mail = mails.aggregate(last=Max("sent_at"))["last"]
    last = max(t for t in (last_mail, item_times["posts_done"]) if t is not None)
    seconds = (last - item_times["published"]).total_seconds()
    addresses = set(Subscriber.objects.values_list("email", flat=True))
    received = sum(counts.values())
    duplicates = sum(n - 1 for n in counts.values() if n > 1)
    lost = len(addresses - set(counts))
    posts = {"zalo": len(zalo.broadcasts), "facebook": len(facebook.posts)}
    duplicates += sum(max(n - 1, 0) for n in posts.values())
    lost += sum(1 for n in posts.values() if n == 0)
    mail_seconds = (last_mail - item_times["published"]).total_seconds()
    return {
        "subscribers": subscribers,
        "received": received,
        "posts": posts,
        "seconds_to_last_delivery": round(seconds, 2),
        "emails_per_s": round(received / mail_seconds, 1),
        "duplicates": duplicates,
        "lost": lost,
    }


def children_cpu() -> float:
    """User and system seconds of the child processes waited for so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(args: argparse.Namespace) -> None:
    smtp_port, zalo_port, facebook_port = free_ports(3, PORTS)
    var = Path(tempfile.mkdtemp(prefix="bench-bulletins-"))
    env = {
        **os.environ,
        "CANHGIAC_VAR_DIR": str(var),
        "CANHGIAC_HTTPS": "0",
        "CANHGIAC_SITE_URL": "https://canhgiac.example.vn",
        "DJANGO_SETTINGS_MODULE": "support.bulletins_settings",
        "PYTHONPATH": os.pathsep.join([str(ROOT / "bench"), str(ROOT)]),
        "BENCH_SMTP_PORT": str(smtp_port),
        "BENCH_ZALO_BASE": f"http://127.0.0.1:{zalo_port}",
        "BENCH_FACEBOOK_BASE": f"http://127.0.0.1:{facebook_port}",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    env.pop("DATABASE_URL", None)
    if args.database_url:
        env["DATABASE_URL"] = fresh_postgres(args.database_url, "bench_bulletins")
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, skip_checks=True)
    zalo, facebook = start_fakes(zalo_port, facebook_port)
    world = seed(args.subscribers)
    save_accounts(zalo, facebook)
    counts_file = var / "counts.json"
    sink = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "bench/support/smtp_sink.py"),
            str(smtp_port),
            str(counts_file),
            str(args.sinks),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert sink.stdout is not None and sink.stdout.readline().strip() == "ready"
    command = [sys.executable, "manage.py", "deliver_bulletins", "--skip-checks", "--poll", "0.2"]
    profile = ["-m", "cProfile", "-o"]
    workers = [
        subprocess.Popen(
            [command[0], *profile, f"{args.profile}.{n}", *command[1:]]
            if args.profile
            else command,
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
        )
        for n in range(args.workers)
    ]
    try:
        time.sleep(8)  # the workers have imported Django and are polling
        revision_id = publish(world)
        print(
            f"published to {args.subscribers} subscribers with {args.workers} workers, "
            f"{args.sinks} sink processes",
            flush=True,
        )
        wait_until_done(revision_id, timeout=3600)
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=120)
        cpu_workers = children_cpu()
        sink.terminate()
        sink.wait(timeout=60)
        cpu_sink = children_cpu() - cpu_workers
        zalo.stop()
        facebook.stop()
    counts: Counter[str] = Counter()
    for part in var.glob(f"{counts_file.name}.*"):  # one file per sink process
        counts.update(json.loads(part.read_text()))
    result = figures(revision_id, counts, zalo, facebook, args.subscribers)
    # CPU per mail, whatever else the machine runs (workers: start-up and polling included).
    received = max(int(str(result["received"])), 1)
    result["cpu_ms_per_email_workers"] = round(1000 * cpu_workers / received, 3)
    result["cpu_ms_per_email_sink"] = round(1000 * cpu_sink / received, 3)
    result["load_average"] = [round(n, 2) for n in os.getloadavg()]
    print(json.dumps(result, ensure_ascii=False))
    print(
        f"RESULT emails_per_s={result['emails_per_s']} duplicates={result['duplicates']} "
        f"lost={result['lost']}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument(
        "--sinks", type=int, default=2, help="SMTP sink processes sharing the port (SO_REUSEPORT)"
    )
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--profile", help="run the workers under cProfile, to FILE.<n>")
    args = parser.parse_args()
    run(args)


if __name__ == "__main__":
    main()
