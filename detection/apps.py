from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DetectionConfig(AppConfig):
    name = "detection"
    verbose_name = _("Phát hiện lừa đảo")

    def ready(self) -> None:
        from orgs.menu import register_staff_actions
        from orgs.models import Permission

        register_staff_actions(
            200,
            (
                Permission.VERIFY_REPORTS,
                _("Mô hình phân loại tin nhắn: học từ đâu, đúng đến đâu"),
                "detection:model-card",
            ),
        )
