from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TiplineConfig(AppConfig):
    name = "tipline"
    verbose_name = _("Đường dây tố giác qua Zalo")

    def ready(self) -> None:
        from datetime import timedelta

        from lib.periodic import register_periodic

        # The fallback of `manage.py run_tipline`: answers, outcomes to tell, messages due.
        register_periodic(task_path="tipline.tasks.run_tipline_task", every=timedelta(minutes=1))
        # Chats are personal data: blanked after the reports' retention period.
        register_periodic(
            task_path="tipline.tasks.purge_personal_data_task", every=timedelta(days=1)
        )
