from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from dashboard.rollup import roll_up_range


class Command(BaseCommand):
    help = (
        "Rebuild the dashboard's daily roll-ups from a day (YYYY-MM-DD) to today: after an "
        "installation or an import of old rows. The hourly task keeps the recent days."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--since", required=True, help="first day, YYYY-MM-DD")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            since = date.fromisoformat(options["since"])
        except ValueError as exc:
            raise CommandError("--since: a day as YYYY-MM-DD") from exc
        today = timezone.localdate()
        if since > today:
            raise CommandError("--since lies in the future")
        days = roll_up_range(since, today + timedelta(days=1))
        self.stdout.write(f"dashboard roll-ups: {days} days rebuilt")
