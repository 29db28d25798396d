"""Periods of the dashboard: a week (Monday first), a month, a quarter or a year, in local days
(settings.TIME_ZONE); `end` is the first day after the period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from django.utils import timezone
from django.utils.translation import gettext as _


class Period(StrEnum):
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


def add_months(day: date, months: int) -> date:
    """The first day of the month `months` months after the month of `day`."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def months_from(first: date, end: date) -> list[date]:
    """The first days of the calendar months from the month of `first` to the last one that
    starts before `end`."""
    months, month = [], first.replace(day=1)
    while month < end:
        months.append(month)
        month = add_months(month, 1)
    return months


@dataclass(frozen=True)
class Span:
    """The period of kind `period` that contains a day: [start, end)."""

    period: Period
    start: date
    end: date

    @classmethod
    def containing(cls, period: Period | str, day: date) -> Span:
        period = Period(period)
        if period == Period.WEEK:
            start = day - timedelta(days=day.weekday())
            return cls(period, start, start + timedelta(days=7))
        months = {Period.MONTH: 1, Period.QUARTER: 3, Period.YEAR: 12}[period]
        first_month = (day.month - 1) // months * months + 1
        start = date(day.year, first_month, 1)
        return cls(period, start, add_months(start, months))

    def previous(self) -> Span:
        return Span.containing(self.period, self.start - timedelta(days=1))

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    @property
    def label(self) -> str:
        s = self.start
        if self.period == Period.WEEK:
            return _("Tuần %(start)s–%(end)s") % {
                "start": f"{s:%d/%m}",
                "end": f"{self.last_day:%d/%m/%Y}",
            }
        if self.period == Period.MONTH:
            return _("Tháng %(month)d/%(year)d") % {"month": s.month, "year": s.year}
        if self.period == Period.QUARTER:
            return _("Quý %(quarter)d/%(year)d") % {
                "quarter": (s.month - 1) // 3 + 1,
                "year": s.year,
            }
        return _("Năm %(year)d") % {"year": s.year}


def local_midnight(day: date) -> datetime:
    """The first instant of `day` in the local time zone."""
    return timezone.make_aware(datetime.combine(day, time.min))


def months_back(day: date, months: int) -> date:
    """The first day of the month `months` months before the month of `day`."""
    return add_months(date(day.year, day.month, 1), -months)
