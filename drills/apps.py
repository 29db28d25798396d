from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DrillsConfig(AppConfig):
    name = "drills"
    verbose_name = _("Diễn tập lừa đảo")

    def ready(self) -> None:
        from datetime import timedelta

        from lib.periodic import register_periodic
        from orgs.menu import register_staff_actions
        from orgs.models import Permission

        register_periodic(task_path="drills.tasks.send_due_drill_mail", every=timedelta(minutes=1))
        # One click on the staff home reports the newest drill mail (views_tracking.report).
        register_staff_actions(
            390, (Permission.VIEW_UNIT, _("Báo cáo thư đáng ngờ"), "drill-report"), post=True
        )
        register_staff_actions(
            400,
            (Permission.RUN_DRILLS, _("Diễn tập lừa đảo"), "drills:campaigns"),
            (Permission.MANAGE_TRAINING, _("Phê duyệt diễn tập lừa đảo"), "drills:approvals"),
            (Permission.VIEW_DASHBOARD, _("Kết quả diễn tập lừa đảo"), "drills:results"),
        )
