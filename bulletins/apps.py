from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BulletinsConfig(AppConfig):
    name = "bulletins"
    verbose_name = _("Cảnh báo và bản tin")

    def ready(self) -> None:
        from datetime import timedelta

        from lib.periodic import register_periodic
        from orgs.menu import register_staff_actions
        from orgs.models import Permission

        # Scheduled bulletins and backoffs come due without a publish to wake the workers.
        register_periodic(
            task_path="bulletins.tasks.deliver_bulletins_task", every=timedelta(minutes=1)
        )
        # Unconfirmed addresses after 7 days, unsubscribed ones after 30 (subscriptions.purge_stale).
        register_periodic(
            task_path="bulletins.tasks.purge_stale_subscribers_task", every=timedelta(days=1)
        )
        register_staff_actions(
            300,
            (Permission.PUBLISH_BULLETINS, _("Cảnh báo và bản tin"), "bulletins:staff-list"),
            (Permission.MANAGE_UNITS, _("Kênh Zalo, Facebook đăng bản tin"), "bulletins:channels"),
        )
