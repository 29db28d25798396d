from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from drills.loading import TemplateDataError, load_drill_templates


class Command(BaseCommand):
    help = "Load the drill mail templates and landing pages that ship with the project."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = load_drill_templates()
        except TemplateDataError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"drill templates: {result.created} created, {result.updated} updated, "
            f"{result.kept} unchanged"
        )
