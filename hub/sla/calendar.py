"""Indonesian working days: weekends, national holidays and cuti bersama (collective leave).

Holidays come from the maintained ``holidays`` package, never a hand-typed list: the government
announces cuti bersama each year, and the package's ``government`` category carries them.

Conventions (what "within N working days" means here, so figures can be computed by hand):
a span of N working days starting at any moment ends at local midnight after the N-th working day
*after* the start's date; the start's own day never counts, even if it is a working day.
Elapsed working time counts whole 24-hour working days, so a stage started on Friday 10:00 has
used 14 hours of working time by Saturday night.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

import holidays

DAY = timedelta(days=1)
DAY_S = DAY.total_seconds()


class Unit(StrEnum):
    working_days = "working_days"
    days = "days"
    hours = "hours"


@dataclass(frozen=True)
class Span:
    amount: int
    unit: Unit

    def __str__(self) -> str:
        return f"{self.amount} {self.unit.value.replace('_', ' ')}"


@dataclass
class WorkingCalendar:
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Jakarta"))
    _years: dict[int, set[date]] = field(default_factory=dict, repr=False)
    _counts: dict[int, list[int]] = field(default_factory=dict, repr=False)

    def holidays_of(self, year: int) -> set[date]:
        if year not in self._years:
            found = holidays.country_holidays("ID", years=year,
                                              categories=("public", "government"))
            self._years[year] = set(found)
        return self._years[year]

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self.holidays_of(day.year)

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.tz)

    def _midnight(self, day: date) -> datetime:
        return datetime.combine(day, time(), tzinfo=self.tz)

    def add(self, start: datetime, span: Span) -> datetime:
        """The moment a span starting at ``start`` ends (see the module's conventions)."""
        if span.unit is Unit.hours:
            return start + timedelta(hours=span.amount)
        if span.unit is Unit.days:
            return start + timedelta(days=span.amount)
        day, left = self.local(start).date(), span.amount
        while left:
            day += DAY
            if self.is_working_day(day):
                left -= 1
        return self._midnight(day + DAY)

    def working_seconds(self, start: datetime, end: datetime) -> float:
        """Seconds of ``[start, end)`` that fall on working days (local time)."""
        if end <= start:
            return 0.0
        a, b = self.local(start), self.local(end)
        first, last = a.date(), b.date()
        if first == last:
            return (b - a).total_seconds() if self.is_working_day(first) else 0.0
        # The partial first and last days, and whole working days in between from per-year
        # running counts: a ticket open for months costs a few lookups, not a walk per day.
        total = (self._midnight(first + DAY) - a).total_seconds() if self.is_working_day(
            first) else 0.0
        if self.is_working_day(last):
            total += (b - self._midnight(last)).total_seconds()
        return total + DAY_S * self.working_days_between(first + DAY, last)

    def working_days_between(self, first: date, last: date) -> int:
        """How many working days fall in ``[first, last)``."""
        if last <= first:
            return 0
        count = -self._before(first) + self._before(last)
        for year in range(first.year, last.year):
            count += self._running(year)[-1]
        return count

    def _before(self, day: date) -> int:
        """Working days of ``day``'s year that come before it."""
        return self._running(day.year)[day.timetuple().tm_yday - 1]

    def _running(self, year: int) -> list[int]:
        """``[k]`` = working days among the first ``k`` days of ``year``."""
        running = self._counts.get(year)
        if running is None:
            running, total = [0], 0
            start = date(year, 1, 1).toordinal()
            for ordinal in range(start, date(year, 12, 31).toordinal() + 1):
                total += self.is_working_day(date.fromordinal(ordinal))
                running.append(total)
            self._counts[year] = running
        return running

    def elapsed(self, start: datetime, end: datetime, unit: Unit) -> float:
        """Time from ``start`` to ``end`` in ``unit`` (working days count only working time)."""
        if unit is Unit.working_days:
            return self.working_seconds(start, end) / DAY_S
        seconds = max(0.0, (end - start).total_seconds())
        return seconds / 3600 if unit is Unit.hours else seconds / DAY_S
