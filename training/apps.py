from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingConfig(AppConfig):
    name = "training"
    verbose_name = _("Tập huấn nâng cao nhận thức")

    def ready(self) -> None:
        from datetime import timedelta

        from lib.periodic import register_periodic
        from orgs.menu import register_staff_action
        from orgs.models import Permission

        register_periodic(
            task_path="training.tasks.send_deadline_reminders", every=timedelta(days=1)
        )

        register_staff_action(
            permission=Permission.TAKE_TRAINING,
            label=_("Bài học và bài kiểm tra được giao cho bạn"),
            url_name="training-mine",
            order=500,
        )
        register_staff_action(
            permission=Permission.MANAGE_TRAINING,
            label=_("Giao bài học cho đơn vị"),
            url_name="training-manage",
            order=510,
        )
        register_staff_action(
            permission=Permission.MANAGE_TRAINING,
            label=_("Tiến độ tập huấn của đơn vị"),
            url_name="training-progress",
            order=520,
        )
