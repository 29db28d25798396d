"""Run the report address's SMTP receiver (aiosmtpd) until interrupted."""

from __future__ import annotations

import signal
import threading
from typing import Any

from aiosmtpd.controller import Controller
from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from drills.receiver import MAX_MESSAGE_BYTES, ReportHandler


class Command(BaseCommand):
    help = "Receive drill mail forwarded to the report address over SMTP and record the reports."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--host", default=getattr(settings, "DRILLS_RECEIVER_HOST", "127.0.0.1")
        )
        parser.add_argument(
            "--port", type=int, default=int(getattr(settings, "DRILLS_RECEIVER_PORT", 2525))
        )

    def handle(self, *args: Any, **options: Any) -> None:
        controller = Controller(
            ReportHandler(),
            hostname=options["host"],
            port=options["port"],
            data_size_limit=MAX_MESSAGE_BYTES,
        )
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_a: stop.set())
        controller.start()
        self.stdout.write(f"drill report receiver on {options['host']}:{options['port']}")
        try:
            stop.wait()
        finally:
            controller.stop()
