"""Daily roll-ups: what every dashboard figure needs, per unit (its own rows, not those below it)
and day, so that a page sums a few hundred rows over any period and any subtree instead of
scanning raw reports, completions and drill events (issue 18, point 8).

Two kinds of figures:

- flows (`DailyFlow`, `DailyBreakdown`, `DailyDuration`) happen on a day: reports received,
  cases listed, appeals decided, drill mails sent. A period sums its days.
- states (`DailySnapshot`) hold at the end of a day: staff, training coverage, open cases,
  staff reached by a drill in the last 12 months. A period reads the last snapshot taken in it.

Medians cannot be summed, so durations are kept as histograms of whole minutes (drills) or
whole hours (cases); the median is read from the summed histogram (see figures.py).

Rows are found by day first: the unique constraints start with the day, and the unit has no
index of its own (SQLite would take it and read every day of each unit).

Re-running a day replaces its rows (rollup.roll_up_day), so the rows can always be rebuilt from
the source apps.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from orgs.models import Unit


class FlowFields(models.Model):
    """The counters of a flow row (DailyFlow, MonthlyFlow)."""

    reports = models.PositiveIntegerField(_("tố giác nhận được"), default=0)
    money_lost = models.PositiveBigIntegerField(_("tiền bị mất (đồng)"), default=0)
    cases_listed = models.PositiveIntegerField(_("hồ sơ đưa vào danh sách"), default=0)
    cases_cleared = models.PositiveIntegerField(_("hồ sơ kết luận không lừa đảo"), default=0)
    cases_decided = models.PositiveIntegerField(_("hồ sơ có kết luận đầu tiên"), default=0)
    appeals_received = models.PositiveIntegerField(_("khiếu nại nhận được"), default=0)
    appeals_delisted = models.PositiveIntegerField(_("khiếu nại được chấp nhận"), default=0)
    appeals_rejected = models.PositiveIntegerField(_("khiếu nại không được chấp nhận"), default=0)
    drill_recipients = models.PositiveIntegerField(_("thư diễn tập đã gửi"), default=0)
    drill_reported = models.PositiveIntegerField(_("thư diễn tập được báo cáo"), default=0)
    drill_clicked = models.PositiveIntegerField(_("thư diễn tập bị bấm"), default=0)
    drill_submitted = models.PositiveIntegerField(_("thư diễn tập bị nhập dữ liệu"), default=0)
    # Sum over the mails of their template's difficulty: divided by drill_recipients it gives
    # the mean difficulty of what the unit received.
    drill_difficulty_sum = models.PositiveIntegerField(default=0)
    bulletins_published = models.PositiveIntegerField(_("bản tin đã đăng"), default=0)
    deliveries = models.PositiveIntegerField(_("lượt gửi bản tin"), default=0)

    class Meta:
        abstract = True


class DailyFlow(FlowFields):
    """What happened on `day` in `unit` (the unit's own rows)."""

    day = models.DateField(_("ngày"))
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+", db_index=False)

    class Meta:
        verbose_name = _("số liệu trong ngày")
        verbose_name_plural = _("số liệu trong ngày")
        constraints = [
            models.UniqueConstraint(fields=["day", "unit"], name="dashboard_flow_once"),
        ]

    def __str__(self) -> str:
        return f"{self.day} · {self.unit_id}"


class MonthlyFlow(FlowFields):
    """The DailyFlow rows of one calendar month summed (`month` is its first day): a year's
    figures read 12 rows per unit instead of 365 (rollup.py keeps them in step)."""

    month = models.DateField(_("tháng"))
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+", db_index=False)

    class Meta:
        verbose_name = _("số liệu trong tháng")
        verbose_name_plural = _("số liệu trong tháng")
        constraints = [
            models.UniqueConstraint(fields=["month", "unit"], name="dashboard_month_flow_once"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} · {self.unit_id}"


class Dimension(models.TextChoices):
    SCAM_TYPE = "scam_type", _("Hình thức lừa đảo")
    CHANNEL = "channel", _("Kênh")


class BreakdownFields(models.Model):
    """The counters of a breakdown row (DailyBreakdown, MonthlyBreakdown)."""

    dimension = models.CharField(max_length=16, choices=Dimension.choices)
    key = models.CharField(max_length=32)
    reports = models.PositiveIntegerField(default=0)
    money_lost = models.PositiveBigIntegerField(default=0)

    class Meta:
        abstract = True


class DailyBreakdown(BreakdownFields):
    """Reports received on `day` in `unit`, by scam type or by channel."""

    day = models.DateField(_("ngày"))
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+", db_index=False)

    class Meta:
        verbose_name = _("tố giác theo loại trong ngày")
        verbose_name_plural = _("tố giác theo loại trong ngày")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "unit", "dimension", "key"], name="dashboard_breakdown_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} · {self.unit_id} · {self.dimension}={self.key}"


class MonthlyBreakdown(BreakdownFields):
    """The DailyBreakdown rows of one calendar month summed."""

    month = models.DateField(_("tháng"))
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+", db_index=False)

    class Meta:
        verbose_name = _("tố giác theo loại trong tháng")
        verbose_name_plural = _("tố giác theo loại trong tháng")
        constraints = [
            models.UniqueConstraint(
                fields=["month", "unit", "dimension", "key"], name="dashboard_month_breakdown_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} · {self.unit_id} · {self.dimension}={self.key}"


class Measure(models.TextChoices):
    """Durations kept as histograms; the unit of the bucket is part of the measure."""

    TO_LISTING = "to_listing", _("Từ tố giác đầu tiên đến khi đưa vào danh sách (giờ)")
    TO_DECISION = "to_decision", _("Từ tố giác đầu tiên đến kết luận đầu tiên (giờ)")
    TO_DRILL_REPORT = "to_drill_report", _("Từ khi nhận thư diễn tập đến khi báo cáo (phút)")


class DurationFields(models.Model):
    """The counters of a duration histogram row (DailyDuration, MonthlyDuration)."""

    measure = models.CharField(max_length=16, choices=Measure.choices)
    bucket = models.PositiveIntegerField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True


class DailyDuration(DurationFields):
    """How many durations of `measure` that ended (cases) or started (drill mails) on `day` in
    `unit` lasted `bucket` whole hours or minutes (longer ones are kept in the last bucket)."""

    day = models.DateField(_("ngày"))
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+", db_index=False)

    class Meta:
        verbose_name = _("phân bố thời gian trong ngày")
        verbose_name_plural = _("phân bố thời gian trong ngày")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "unit", "measure", "bucket"], name="dashboard_duration_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} · {self.unit_id} · {self.measure}[{self.bucket}]={self.count}"


class MonthlyDuration(DurationFields):
    """The DailyDuration rows of one calendar month summed."""

    month = models.DateField(_("tháng"))
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+", db_index=False)

    class Meta:
        verbose_name = _("phân bố thời gian trong tháng")
        verbose_name_plural = _("phân bố thời gian trong tháng")
        constraints = [
            models.UniqueConstraint(
                fields=["month", "unit", "measure", "bucket"], name="dashboard_month_duration_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} · {self.unit_id} · {self.measure}[{self.bucket}]={self.count}"


class DailySnapshot(models.Model):
    """The state of `unit` (its own people and cases) at the end of `day`."""

    day = models.DateField(_("ngày"))
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+", db_index=False)
    staff = models.PositiveIntegerField(_("cán bộ"), default=0)
    staff_covered = models.PositiveIntegerField(_("cán bộ được giao bài"), default=0)
    assigned = models.PositiveIntegerField(_("lượt giao (người × khoá)"), default=0)
    satisfied = models.PositiveIntegerField(_("lượt hoàn thành"), default=0)
    with_quiz = models.PositiveIntegerField(_("lượt giao có bài kiểm tra"), default=0)
    passed = models.PositiveIntegerField(_("lượt đạt"), default=0)
    staff_drilled = models.PositiveIntegerField(_("cán bộ nhận thư diễn tập 12 tháng"), default=0)
    cases_pending = models.PositiveIntegerField(_("hồ sơ đang mở"), default=0)

    class Meta:
        verbose_name = _("hiện trạng cuối ngày")
        verbose_name_plural = _("hiện trạng cuối ngày")
        constraints = [
            models.UniqueConstraint(fields=["day", "unit"], name="dashboard_snapshot_once"),
        ]

    def __str__(self) -> str:
        return f"{self.day} · {self.unit_id}"
