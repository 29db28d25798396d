from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgsConfig(AppConfig):
    name = "orgs"
    verbose_name = _("Đơn vị và người dùng")

    def ready(self) -> None:
        from .menu import register_staff_actions
        from .models import Permission

        register_staff_actions(
            900,
            (Permission.VIEW_UNIT, _("Xem các đơn vị bạn phụ trách"), "unit-list"),
            (Permission.MANAGE_UNITS, _("Nhập đơn vị từ tệp CSV"), "unit-import"),
            (Permission.MANAGE_UNITS, _("Xuất CSV"), "unit-export"),
            (Permission.MANAGE_UNITS, _("Khoá API của đối tác"), "partner-keys"),
            (Permission.MANAGE_UNITS, _("Mở khoá tài khoản bị khoá đăng nhập"), "unlock-accounts"),
        )
