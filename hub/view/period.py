"""Periods in query strings: ``2026-10`` (a month), ``2026-10-01..2026-10-15``, ``from``/``to``."""

from __future__ import annotations

import calendar
import re
from datetime import date

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
MIN_YEAR, MAX_YEAR = 2000, 2200  # the window the hub accepts records and computes SLAs in


class PeriodError(ValueError):
    """A period the caller got wrong; the message says how."""


def _day(text: str, name: str) -> date:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise PeriodError(f"{name} must be a date like 2026-10-01") from None
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise PeriodError(f"{name} must be within {MIN_YEAR}..{MAX_YEAR}")
    return day


def month(text: str) -> tuple[date, date]:
    match = _MONTH.match(text)
    if not match or not 1 <= int(match[2]) <= 12:
        raise PeriodError(f"period must be a month like 2026-10 or a range "
                          f"2026-10-01..2026-10-31, got {text!r}")
    year, mon = int(match[1]), int(match[2])
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise PeriodError(f"period year must be within {MIN_YEAR}..{MAX_YEAR}, got {year}")
    return date(year, mon, 1), date(year, mon, calendar.monthrange(year, mon)[1])


def parse_period(period: str | None, start: str | None = None,
                 end: str | None = None) -> tuple[date | None, date | None]:
    """First and last day (inclusive); either may be open. Refuses a range the wrong way round."""
    if period and (start or end):
        raise PeriodError("give either period or from/to, not both")
    if period and ".." in period:
        start, _, end = period.partition("..")
    elif period:
        return month(period)
    first = _day(start, "from") if start else None
    last = _day(end, "to") if end else None
    if first and last and first > last:
        raise PeriodError(f"period is the wrong way round: from {first} is after to {last}")
    return first, last
