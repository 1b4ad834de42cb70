"""SLA engine against hand-computed cases across weekends, national holidays and cuti bersama."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.core.models import LaporStatus as S
from hub.sla.calendar import Span, Unit, WorkingCalendar
from hub.sla.engine import SlaState, TicketFacts, evaluate
from hub.sla.rules import SlaFileError, default_rules, load_rules

WIB = ZoneInfo("Asia/Jakarta")
CAL = WorkingCalendar(WIB)


def wib(*args: int) -> datetime:
    return datetime(*args, tzinfo=WIB)  # type: ignore[misc]


def test_three_working_days_skip_weekend_and_independence_day() -> None:
    # Thu 13 Aug 2026: Fri 14 counts; Sat 15, Sun 16 and Mon 17 (Independence Day) do not;
    # Tue 18, Wed 19 -> due at the end of Wednesday 19 August.
    assert not CAL.is_working_day(date(2026, 8, 17))
    assert CAL.add(wib(2026, 8, 13, 10), Span(3, Unit.working_days)) == wib(2026, 8, 20)


def test_working_days_skip_nyepi_and_idul_fitri_cuti_bersama() -> None:
    # Created on Nyepi (Thu 19 Mar 2026). Fri 20, Mon 23 and Tue 24 are cuti bersama, Sat 21 and
    # Sun 22 Idul Fitri on a weekend: the first working day is Wed 25, the fifth Tue 31 March.
    assert CAL.add(wib(2026, 3, 19, 9), Span(5, Unit.working_days)) == wib(2026, 4, 1)


def test_cuti_bersama_comes_from_the_holidays_package() -> None:
    data = holidays.country_holidays("ID", years=2026, categories=("public", "government"))
    leave = [d for d, name in data.items() if "Eid al-Fitr Joint" in name]
    assert leave and all(not CAL.is_working_day(d) for d in leave)
    # And a plain working week with none of them: Mon 5 Oct 2026 + 3 -> end of Thu 8 Oct.
    assert CAL.add(wib(2026, 10, 5, 8), Span(3, Unit.working_days)) == wib(2026, 10, 9)


def test_hours_and_calendar_days_ignore_the_calendar() -> None:
    start = wib(2026, 8, 15, 20)  # a Saturday evening before a holiday
    assert CAL.add(start, Span(24, Unit.hours)) == wib(2026, 8, 16, 20)
    assert CAL.add(start, Span(60, Unit.days)) == start + timedelta(days=60)


def test_working_seconds_count_only_working_days() -> None:
    # Fri 14 Aug 12:00 -> Tue 18 Aug 12:00: Fri half a day, Tue half a day, nothing in between.
    assert CAL.elapsed(wib(2026, 8, 14, 12), wib(2026, 8, 18, 12), Unit.working_days) == 1.0


def facts(channel: str, dibuat: datetime, status: S = S.belum_terverifikasi,
          sla_class: str | None = None, **reached: datetime) -> TicketFacts:
    return TicketFacts(channel=channel, dibuat=dibuat, status=status, sla_class=sla_class,
                       reached={S(k): v for k, v in reached.items()})


RULES = default_rules()


def test_lapor_verification_late_by_working_days_across_holiday() -> None:
    # Due end of Wed 19 Aug; on Fri 21 Aug 12:00 it is Thu + half of Fri late = 1.5 working days.
    sla = evaluate(facts("laksa", wib(2026, 8, 13, 10)), RULES, wib(2026, 8, 21, 12))
    v = sla.stage("verifikasi")
    assert v.deadline == wib(2026, 8, 20) and v.state is SlaState.late and v.overrun == 1.5
    assert v.escalate and sla.state is SlaState.late
    assert sla.stage("tindak_lanjut").state is SlaState.waiting


def test_lapor_at_risk_at_eighty_percent_of_working_time() -> None:
    # Allowed: Thu 14h + Fri, Tue, Wed = 86 h of working time; 80% = 68.8 h. On Tue 18 Aug 23:00
    # 14 + 24 + 23 = 61 h (71%) are used: on time. On Wed 19 Aug 08:00: 69 h (80.2%): at risk.
    start = wib(2026, 8, 13, 10)
    assert evaluate(facts("laksa", start), RULES, wib(2026, 8, 18, 23)).state is SlaState.on_time
    risky = evaluate(facts("laksa", start), RULES, wib(2026, 8, 19, 8))
    assert risky.state is SlaState.at_risk and not risky.stage("verifikasi").escalate


def test_lapor_follow_up_counts_from_verification() -> None:
    # Verified Tue 18 Aug 09:00 (met); follow-up 5 working days: Wed 19 .. Tue 25 (Prophet's
    # Birthday) is off, so Wed 19, Thu 20, Fri 21, Mon 24, Wed 26 -> due end of Wed 26 Aug.
    sla = evaluate(facts("laksa", wib(2026, 8, 13, 10), S.terverifikasi,
                         terverifikasi=wib(2026, 8, 18, 9)), RULES, wib(2026, 8, 21, 12))
    assert sla.stage("verifikasi").state is SlaState.met
    follow = sla.stage("tindak_lanjut")
    assert follow.deadline == wib(2026, 8, 27) and follow.state is SlaState.on_time


def test_lapor_done_late_is_missed_with_overrun() -> None:
    sla = evaluate(facts("laksa", wib(2026, 8, 13, 10), S.terverifikasi,
                         terverifikasi=wib(2026, 8, 21, 0)), RULES, wib(2026, 8, 21, 12))
    v = sla.stage("verifikasi")
    assert v.state is SlaState.missed and v.overrun == 1.0 and not v.escalate


@pytest.mark.parametrize(("jenis", "hours"), [("darurat", 24), ("penting", 48), ("biasa", 72),
                                              ("tak_dikenal", 72)])
def test_sikesal_response_target_by_type(jenis: str, hours: int) -> None:
    start = wib(2026, 8, 15, 9)  # weekends and holidays do not matter for clock hours
    sla = evaluate(facts("sikesal", start, sla_class=jenis), RULES, start + timedelta(hours=30))
    respon = sla.stage("respon")
    assert respon.deadline == start + timedelta(hours=hours)
    expected = {24: SlaState.late, 48: SlaState.on_time, 72: SlaState.on_time}[hours]
    assert respon.state is expected
    if hours == 24:
        assert respon.overrun == 6.0 and respon.unit is Unit.hours


def test_sambat_at_risk_after_three_late_after_seven_escalates_at_ten() -> None:
    # Mon 10 Aug 2026; working days Tue 11, Wed 12, Thu 13 (3rd), Fri 14, Tue 18, Wed 19 (6th),
    # Thu 20 (7th, due end of day), Fri 21, Mon 24, Wed 26 (10th; Tue 25 is a holiday).
    start = wib(2026, 8, 10, 9)
    at = {d: evaluate(facts("sambat", start), RULES, d).stage("jawaban_opd")
          for d in (wib(2026, 8, 13, 12), wib(2026, 8, 14, 12), wib(2026, 8, 24, 12),
                    wib(2026, 8, 27, 1))}
    states = [(v.state, v.escalate) for v in at.values()]
    assert states == [(SlaState.on_time, False), (SlaState.at_risk, False),
                      (SlaState.late, False), (SlaState.late, True)]
    assert next(iter(at.values())).deadline == wib(2026, 8, 21)


def test_answered_sambat_ticket_is_met() -> None:
    sla = evaluate(facts("sambat", wib(2026, 8, 10, 9), S.tindak_lanjut,
                         tindak_lanjut=wib(2026, 8, 12, 9)), RULES, wib(2026, 9, 1))
    assert sla.state is SlaState.met


def test_broken_sla_file_fails_with_line_and_expectation(tmp_path: Path) -> None:
    bad = tmp_path / "sla.yaml"
    bad.write_text("timezone: Asia/Jakarta\ndefault: x\nsources:\n  x:\n    stages:\n"
                   "      - {name: a, from: nowhere, within: {weeks: 1}, done_when: [selesai]}\n")
    with pytest.raises(SlaFileError, match=r"sla.yaml:6: at sources.x.stages.0.within"):
        load_rules(bad)


def _walked_seconds(cal: WorkingCalendar, start: datetime, end: datetime) -> float:
    """The definition, day by day: what the running counts must agree with."""
    a, b = cal.local(start), cal.local(end)
    total, day = 0.0, a.date()
    while day <= b.date():
        if cal.is_working_day(day):
            lo = max(a, datetime.combine(day, datetime.min.time(), tzinfo=cal.tz))
            hi = min(b, datetime.combine(day + timedelta(days=1), datetime.min.time(),
                                         tzinfo=cal.tz))
            total += max(0.0, (hi - lo).total_seconds())
        day += timedelta(days=1)
    return total


@given(start=st.datetimes(min_value=datetime(2023, 1, 1), max_value=datetime(2028, 12, 31),
                          timezones=st.just(WIB)),
       length=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=800)))
@settings(max_examples=300, deadline=None)
def test_working_seconds_agree_with_walking_the_calendar_day_by_day(
        start: datetime, length: timedelta) -> None:
    walked = _walked_seconds(CAL, start, start + length)
    assert CAL.working_seconds(start, start + length) == pytest.approx(walked, abs=1e-6)


def test_working_days_between_counts_cuti_bersama_and_year_ends() -> None:
    # 24 Dec 2025 (Wed) to 2 Jan 2026 (Fri), [first, last): 25 Dec Christmas, 26 Dec cuti
    # bersama, weekend, 1 Jan New Year: working days left are 24, 29, 30 and 31 Dec.
    assert CAL.working_days_between(date(2025, 12, 24), date(2026, 1, 2)) == 4
    assert CAL.working_days_between(date(2026, 1, 2), date(2026, 1, 2)) == 0
