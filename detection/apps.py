from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DetectionConfig(AppConfig):
    name = "detection"
    verbose_name = _("Phát hiện lừa đảo")
