"""The conflict policy and the per-ticket plan, without I/O."""

from __future__ import annotations

from datetime import UTC, datetime

from hub.core.models import LaporStatus as S
from hub.core.settings import get_settings
from hub.ledger.sync_state import SyncStateRow
from hub.mapping.loader import load_mappings
from hub.reconcile.plan import ChannelObs, LaporObs, plan_ticket
from hub.reconcile.policy import resolve


def test_rank_only_moves_forward_and_equal_rank_keeps_lapor() -> None:
    assert resolve(S.terverifikasi, S.terverifikasi, S.selesai).target == S.selesai
    assert resolve(S.terverifikasi, S.selesai, S.tindak_lanjut).winner == "lapor"
    tie = resolve(S.belum_terverifikasi, S.ditunda, S.terverifikasi)
    assert (tie.target, tie.rule) == (S.ditunda, "equal_rank_lapor")
    back = resolve(S.tindak_lanjut, None, S.belum_terverifikasi)
    assert back.target == S.tindak_lanjut and back.refused[0].reason == "status_backwards"


def test_lapor_is_the_authority_for_bukan_wewenang_and_diarsipkan() -> None:
    assert resolve(S.terverifikasi, S.bukan_wewenang, S.selesai).rule == "lapor_authority"
    assert resolve(S.selesai, S.diarsipkan, None).target == S.diarsipkan
    refused = resolve(S.terverifikasi, None, S.bukan_wewenang)
    assert refused.target == S.terverifikasi and refused.refused[0].reason == "lapor_authority"
    stuck = resolve(S.bukan_wewenang, None, S.selesai)
    assert stuck.target == S.bukan_wewenang
    assert resolve(S.bukan_wewenang, S.terverifikasi, None).target == S.terverifikasi


def _state() -> SyncStateRow:
    return SyncStateRow(ticket_id=1, channel="sikesal", source_id="SKL-1", tracking_id="LPR1",
                        instansi="DPUPR-KOTA-JAMBI", lapor_status="belum_terverifikasi")


def test_an_unmapped_lapor_status_is_an_issue_and_moves_nothing() -> None:
    settings = get_settings()
    mapping = load_mappings(settings.mappings_dir, settings.schemas_dir)["sikesal"]
    st = _state()
    plan_ticket(st, mapping, None, ChannelObs("baru", "1", []), writable=True)
    plan = plan_ticket(st, mapping, LaporObs("dieskalasi", [], "9", datetime.now(UTC)), None,
                       writable=True)
    assert plan.issues[0][:2] == ("lapor", "unmapped_status")
    assert plan.lapor is None and plan.channel is None and st.lapor_status == "belum_terverifikasi"


def test_a_text_the_hub_relayed_is_not_relayed_back() -> None:
    settings = get_settings()
    mapping = load_mappings(settings.mappings_dir, settings.schemas_dir)["sambat"]
    st = _state()
    st.channel = "sambat"
    first = plan_ticket(st, mapping, None, ChannelObs("dijawab", "1", ["Sudah diperbaiki."]),
                        writable=True)
    assert first.lapor is not None and first.lapor.isi == "Sudah diperbaiki."
    from hub.reconcile.plan import lapor_written

    lapor_written(st, first.lapor, S.tindak_lanjut)
    echo = plan_ticket(st, mapping, LaporObs("tindak_lanjut", ["Sudah diperbaiki."], "2",
                                             datetime.now(UTC)), None, writable=True)
    assert echo.lapor is None and echo.channel is None and echo.echoes == 1
