"""The outbox worker: `manage.py deliver_bulletins` (run as many as you like: rows are claimed
with leases, so a killed worker's rows go to another once its lease runs out)."""

import signal
import time
from typing import Any

from django import db
from django.core.management.base import BaseCommand, CommandParser
from django.db import DatabaseError, connection

from bulletins import outbox


class Command(BaseCommand):
    help = "Gửi cảnh báo, bản tin đang chờ: thư điện tử, Zalo OA, trang Facebook."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Gửi hết phần đến hạn rồi thoát.")
        parser.add_argument(
            "--poll", type=float, default=1.0, help="Số giây chờ khi không có gì để gửi."
        )

    def handle(self, *args: Any, once: bool = False, poll: float = 1.0, **options: Any) -> None:
        self.running = True
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        outbox.warm_up()
        while self.running:
            try:
                progress = outbox.deliver_once()
            except DatabaseError as exc:
                # A lock held too long or a lost connection: the leases keep every row
                # safe, so say it, reconnect and go on rather than leave the queue unserved.
                self.stderr.write(f"deliver_bulletins: {exc}")
                db.close_old_connections()
                connection.close()
                time.sleep(poll)
                continue
            if progress:
                self.stdout.write(
                    f"emails_sent={progress.emails_sent} emails_failed={progress.emails_failed} "
                    f"posts_sent={progress.posts_sent}"
                )
                self.stdout.flush()
                continue
            if once:
                break
            time.sleep(poll)

    def _stop(self, signum: int, frame: object) -> None:
        # Finish the current batch (its lease holds it) and leave.
        self.running = False
