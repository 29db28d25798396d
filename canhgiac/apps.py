from django.apps import AppConfig


class CanhgiacConfig(AppConfig):
    name = "canhgiac"
    verbose_name = "Cảnh Giác"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the deploy checks)
