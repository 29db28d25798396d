import signal
import time
from types import FrameType

from django.core.management.base import BaseCommand, CommandParser

from lib.periodic import enqueue_due, registered


class Command(BaseCommand):
    help = (
        "Đưa các tác vụ định kỳ (nhắc hạn tập huấn, xoá dữ liệu cá nhân hết hạn...) vào hàng đợi."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Chạy một lượt rồi thoát.")
        parser.add_argument("--interval", type=int, default=60, help="Số giây giữa hai lượt.")

    def handle(
        self, *args: object, once: bool = False, interval: int = 60, **options: object
    ) -> None:
        self.running = True
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        names = ", ".join(p.task_path for p in registered()) or "(không có)"
        self.stdout.write(f"Tác vụ định kỳ: {names}")
        while self.running:
            for path in enqueue_due():
                self.stdout.write(f"Đã đưa vào hàng đợi: {path}")
            if once:
                break
            for _ in range(interval):  # wake up each second to notice a stop signal
                if not self.running:
                    break
                time.sleep(1)

    def _stop(self, signum: int, frame: FrameType | None) -> None:
        self.running = False
