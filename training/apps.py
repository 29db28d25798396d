from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingConfig(AppConfig):
    name = "training"
    verbose_name = _("Tập huấn nâng cao nhận thức")

    def ready(self) -> None:
        from datetime import timedelta

        from lib.periodic import register_periodic
        from orgs.menu import register_staff_actions
        from orgs.models import Permission

        register_periodic(
            task_path="training.tasks.send_deadline_reminders", every=timedelta(days=1)
        )

        register_staff_actions(
            500,
            (
                Permission.TAKE_TRAINING,
                _("Bài học và bài kiểm tra được giao cho bạn"),
                "training-mine",
            ),
            (Permission.MANAGE_TRAINING, _("Giao bài học cho đơn vị"), "training-manage"),
            (Permission.MANAGE_TRAINING, _("Tiến độ tập huấn của đơn vị"), "training-progress"),
        )
