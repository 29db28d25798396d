from django.apps import AppConfig


class CanhgiacConfig(AppConfig):
    name = "canhgiac"
    verbose_name = "Cảnh Giác"
