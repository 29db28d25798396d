from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Tố giác và xác minh")

    def ready(self) -> None:
        from datetime import timedelta

        from lib.periodic import register_periodic
        from orgs.menu import register_staff_actions
        from orgs.models import Permission

        register_periodic(
            task_path="reports.tasks.purge_personal_data_task", every=timedelta(days=1)
        )
        register_periodic(
            task_path="reports.tasks.refresh_priorities_task", every=timedelta(hours=1)
        )
        register_periodic(
            task_path="reports.tasks.file_unfiled_reports_task", every=timedelta(minutes=10)
        )
        register_periodic(
            task_path="reports.tasks.forget_old_drafts_task", every=timedelta(hours=1)
        )

        verify = Permission.VERIFY_REPORTS
        register_staff_actions(
            100,
            (verify, _("Hàng đợi vụ việc cần xác minh"), "reports:queue"),
            (verify, _("Khiếu nại gỡ khỏi danh sách"), "reports:appeals"),
            (verify, _("Nhập danh sách dấu hiệu"), "reports:import"),
        )
