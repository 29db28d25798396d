"""Send the drill mail that is due now (run it every minute, or from the periodic runner)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from drills.sending import DEFAULT_BATCH, send_due


class Command(BaseCommand):
    help = "Send approved drill campaigns' mail that is due."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--limit", type=int, default=DEFAULT_BATCH)

    def handle(self, *args: Any, **options: Any) -> None:
        sent = send_due(limit=options["limit"])
        self.stdout.write(f"sent {sent}")
