"""Send deadline reminders now, or put the task on the queue for the worker (--enqueue)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from training.services import send_deadline_reminders
from training.tasks import send_deadline_reminders as reminder_task


class Command(BaseCommand):
    help = "Gửi thư nhắc hạn tập huấn cho người chưa hoàn thành (mỗi người một lần mỗi khoá)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days", type=int, default=3, help="nhắc các khoá hết hạn trong N ngày"
        )
        parser.add_argument(
            "--enqueue", action="store_true", help="đưa vào hàng đợi thay vì gửi ngay"
        )

    def handle(self, *args: str, **options: Any) -> None:
        days = max(1, min(options["days"], 60))
        if options["enqueue"]:
            result = reminder_task.enqueue(within_days=days)
            self.stdout.write(f"Đã đưa vào hàng đợi: {result.id}")
            return
        sent = send_deadline_reminders(within_days=days)
        self.stdout.write(f"Đã gửi {sent} thư nhắc.")
