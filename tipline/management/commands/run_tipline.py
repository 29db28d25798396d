"""The tipline's worker loop: `manage.py run_tipline` (run as many as you like, on as many
machines: events are claimed with leases, one per conversation at a time, and each
conversation's messages are sent under a lease of their own)."""

import signal
import time
from typing import Any

from django import db
from django.core.management.base import BaseCommand, CommandParser
from django.db import DatabaseError, connection

from tipline import worker


class Command(BaseCommand):
    help = "Trả lời tin nhắn gửi đến đường dây tố giác (Zalo, cầu nối) và gửi câu trả lời."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Làm hết phần đến hạn rồi thoát.")
        parser.add_argument(
            "--poll", type=float, default=0.2, help="Số giây chờ khi không có gì để làm."
        )

    def handle(self, *args: Any, once: bool = False, poll: float = 0.2, **options: Any) -> None:
        self.running = True
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        self._warm_up()
        due_at = 0.0  # when send_due last ran
        while self.running:
            try:
                answered = worker.process_pending(max_seconds=5)
                # process_pending sends what it answers: send_due (follow-ups, retries, what
                # waited behind another worker's send) runs once idle, and while busy at most
                # once a poll interval (what waits, waits no longer than for an idle poll)
                # instead of one scan of the queue per turn.
                sent = 0
                if not answered or time.monotonic() - due_at >= poll:
                    sent = worker.send_due()
                    due_at = time.monotonic()
            except DatabaseError as exc:
                # A lost connection or a lock held too long: the leases keep every row safe.
                self.stderr.write(f"run_tipline: {type(exc).__name__}")
                db.close_old_connections()
                connection.close()
                time.sleep(poll)
                continue
            if answered or sent:
                continue
            if once:
                break
            time.sleep(poll)

    def _warm_up(self) -> None:
        """Load (or, with none stored, train) the classifier and build the matcher before
        taking any event: else the first person of each new worker waits for it (~20 s)."""
        from detection.classifier import get_model
        from indicators.matcher import get_matcher

        try:
            get_model()
            get_matcher()
        except DatabaseError as exc:  # the first event will try again
            self.stderr.write(f"run_tipline: warm-up: {type(exc).__name__}")

    def _stop(self, signum: int, frame: object) -> None:
        self.running = False  # the current event's lease holds it; finish it and leave
