from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LookupConfig(AppConfig):
    name = "lookup"
    verbose_name = _("Tra cứu và nguồn dữ liệu")
