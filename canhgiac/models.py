from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkerHeartbeat(models.Model):
    """One row per task-worker process (`manage.py db_worker`), touched every few seconds while
    the process lives. A RUNNING task whose worker's row has gone stale is taken up again: see
    canhgiac/workers.py."""

    # django-tasks-db limits worker ids to 64 characters and records them in DBTaskResult.worker_ids.
    worker_id = models.CharField(_("mã tiến trình"), max_length=64, primary_key=True)
    host = models.CharField(_("máy"), max_length=255, blank=True)
    pid = models.PositiveIntegerField(_("PID"), null=True)
    started_at = models.DateTimeField(_("bắt đầu lúc"))
    beat_at = models.DateTimeField(_("tín hiệu gần nhất"), db_index=True)

    class Meta:
        verbose_name = _("tiến trình tác vụ")
        verbose_name_plural = _("tiến trình tác vụ")

    def __str__(self) -> str:
        return f"{self.worker_id} ({self.host}:{self.pid})"
