from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    name = "dashboard"
    verbose_name = _("Thống kê và chỉ số nhận thức")

    def ready(self) -> None:
        from datetime import timedelta

        from lib.periodic import register_periodic
        from orgs.menu import register_staff_actions
        from orgs.models import Permission

        # Pages read roll-ups: rebuild the recent days every hour (dashboard/rollup.py).
        register_periodic(task_path="dashboard.tasks.roll_up_recent_task", every=timedelta(hours=1))
        register_staff_actions(
            450, (Permission.VIEW_DASHBOARD, _("Thống kê và chỉ số nhận thức"), "dashboard:home")
        )
