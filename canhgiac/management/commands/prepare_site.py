"""What `make run` and a deployment do before the servers start, in one process: each separate
`manage.py` start imports the whole site again (a few seconds each on a small machine)."""

import time
from collections.abc import Callable

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from lib.storage import collect_if_changed


class Command(BaseCommand):
    help = (
        "Chuẩn bị trước khi chạy máy chủ: cập nhật CSDL (migrate), tạo bảng bộ nhớ đệm, thu "
        "thập tệp tĩnh (chỉ khi mã nguồn tệp tĩnh thay đổi); với --demo, nạp cả dữ liệu mẫu và "
        "bài tập huấn."
    )
    # The system checks import every URL and view (scikit-learn included): seconds a restart
    # need not wait. Deployments run `manage.py check --deploy` on their own (README).
    requires_system_checks = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--demo", action="store_true", help="nạp dữ liệu mẫu và bài tập huấn (make run)"
        )

    def handle(
        self, *args: object, demo: bool = False, verbosity: int = 1, **options: object
    ) -> None:
        self.verbosity = verbosity
        self._step("migrate", lambda: call_command("migrate", interactive=False, verbosity=0))
        self._step("createcachetable", lambda: call_command("createcachetable", verbosity=0))
        self._step("collectstatic", lambda: self._static(verbosity))
        if demo:
            self._step("load_demo", lambda: call_command("load_demo", verbosity=verbosity))
            self._step("load_training", lambda: call_command("load_training", verbosity=verbosity))

    def _static(self, verbosity: int) -> None:
        if not collect_if_changed(verbosity=max(0, verbosity - 1)):
            self.stdout.write("Tệp tĩnh không thay đổi: bỏ qua collectstatic.")

    def _step(self, name: str, run: Callable[[], object]) -> None:
        started = time.monotonic()
        run()
        if self.verbosity >= 2:  # where a slow start spends its time
            self.stdout.write(f"  {name}: {time.monotonic() - started:.1f} s")
