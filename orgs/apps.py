from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgsConfig(AppConfig):
    name = "orgs"
    verbose_name = _("Đơn vị và người dùng")

    def ready(self) -> None:
        from .menu import register_staff_action
        from .models import Permission

        register_staff_action(
            permission=Permission.VIEW_UNIT,
            label=_("Xem các đơn vị bạn phụ trách"),
            url_name="unit-list",
            order=900,
        )
        register_staff_action(
            permission=Permission.MANAGE_UNITS,
            label=_("Nhập đơn vị từ tệp CSV"),
            url_name="unit-import",
            order=910,
        )
        register_staff_action(
            permission=Permission.MANAGE_UNITS,
            label=_("Xuất CSV"),
            url_name="unit-export",
            order=920,
        )
