"""One ticket's turn in a reconcile round: read what each side shows, decide, plan the writes.

Plain functions over a ``SyncStateRow``: no I/O here. Echo suppression lives in the comparisons:
after a successful write the row already holds what the hub wrote, so reading it back is no
change; a follow-up text already known on a side (by hash) is never relayed again.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from hub.core.models import LaporStatus
from hub.mapping.engine import ChannelMapping
from hub.mapping.specs import dig
from hub.reconcile.policy import resolve

Detail = dict[str, Any]


def text_hash(text: str) -> str:
    return hashlib.sha256(text.strip().encode()).hexdigest()[:16]


def _load(value: str) -> list[str]:
    return list(json.loads(value or "[]"))


def _dump(values: list[str] | set[str]) -> str:
    return json.dumps(sorted(values) if isinstance(values, set) else values, ensure_ascii=False)


@dataclass(frozen=True)
class LaporObs:
    status: str
    texts: list[str]
    cursor: str
    at: datetime


@dataclass(frozen=True)
class ChannelObs:
    status: str
    version: str
    texts: list[str]


@dataclass(frozen=True)
class LaporWrite:
    status: LaporStatus
    isi: str
    oleh: str
    petugas: str | None
    texts: list[str]


@dataclass(frozen=True)
class ChannelWrite:
    status: str
    texts: list[str]


@dataclass
class Plan:
    target: LaporStatus | None = None
    lapor: LaporWrite | None = None
    channel: ChannelWrite | None = None
    audits: list[tuple[str, Detail]] = field(default_factory=list)
    issues: list[tuple[str, str, str]] = field(default_factory=list)  # side, reason, detail
    echoes: int = 0


def plan_ticket(st: Any, mapping: ChannelMapping, lapor: LaporObs | None,
                channel: ChannelObs | None, writable: bool) -> Plan:
    """Update ``st`` (a ``SyncStateRow``) with what was read and return the writes it owes."""
    plan = Plan()
    seen_l, seen_c = set(_load(st.seen_lapor)), set(_load(st.seen_channel))
    out_l, out_c = _load(st.out_lapor), _load(st.out_channel)
    l_move: LaporStatus | None = None
    c_move: LaporStatus | None = None
    c_raw: str | None = None
    if lapor is not None:
        st.lapor_cursor, st.lapor_at = lapor.cursor, lapor.at
        fresh = [t for t in lapor.texts if text_hash(t) not in seen_l]
        seen_l |= {text_hash(t) for t in lapor.texts}
        if out_l and text_hash("\n\n".join(out_l)) in seen_l:
            out_l = []  # an uncertain earlier write did land: never send it twice
        out_c += [t for t in fresh if text_hash(t) not in seen_c and t not in out_c]
        status = _lapor_status(lapor.status, mapping)
        if status is None:
            plan.issues.append(("lapor", "unmapped_status",
                                f"LAPOR! status {lapor.status!r} is not in from_lapor of "
                                f"mapping {mapping.channel}"))
        elif status != st.lapor_status:
            l_move, st.lapor_status = status, status.value
        elif status == st.wrote_lapor_status and not fresh:
            plan.echoes += 1
    if channel is not None and (st.channel_version is None or
                                channel.version > st.channel_version):
        st.channel_version = channel.version
        fresh = [t for t in channel.texts if text_hash(t) not in seen_c]
        seen_c |= {text_hash(t) for t in channel.texts}
        if out_c and text_hash("\n\n".join(out_c)) in seen_c:
            out_c = []
        out_l += [t for t in fresh if text_hash(t) not in seen_l and t not in out_l]
        if channel.status not in mapping.status.to_lapor:
            plan.issues.append(("channel", "unmapped_status",
                                f"{mapping.channel} status {channel.status!r} is not in to_lapor"))
        elif channel.status != st.channel_status:
            c_raw, st.channel_status = channel.status, channel.status
            c_move = mapping.status.to_lapor[channel.status]
        elif channel.status == st.wrote_channel_status and not fresh:
            plan.echoes += 1
    base = LaporStatus(st.agreed) if st.agreed else None
    res = resolve(base, l_move, c_move)
    both = {"lapor": l_move, "channel": c_move, "channel_raw": c_raw, "base": base}
    for refusal in res.refused:
        plan.issues.append((refusal.side, refusal.reason,
                            f"{refusal.side} moved to {refusal.value.value}; agreed was "
                            f"{base.value if base else None}; not applied"))
        plan.audits.append(("sync.refused", {**both, "side": refusal.side,
                                             "reason": refusal.reason}))
        if refusal.side == "channel" and refusal.reason == "lapor_authority":
            # The agency's position still reaches LAPOR!'s admins, as its own words.
            out_l.append(f"Instansi menandai laporan ini '{c_raw}' di {mapping.sumber}; "
                         "keputusan status ada pada admin SP4N-LAPOR!.")
        if res.target == base:  # nothing else moved: leave the refusing side as it is
            setattr(st, f"{refusal.side}_done_for", base.value if base else None)
    if res.conflict:
        plan.audits.append(("sync.conflict", {**both, "winner": res.winner, "rule": res.rule,
                                              "target": res.target}))
    plan.target = res.target
    st.agreed = res.target.value if res.target else None
    st.seen_lapor, st.seen_channel = _dump(seen_l), _dump(seen_c)
    st.out_lapor, st.out_channel = _dump(out_l), _dump(out_c)
    _plan_writes(st, mapping, plan, writable)
    return plan


def _lapor_status(value: str, mapping: ChannelMapping) -> LaporStatus | None:
    try:
        status = LaporStatus(value)
    except ValueError:
        return None
    return status if status in mapping.status.from_lapor else None


def _plan_writes(st: Any, mapping: ChannelMapping, plan: Plan, writable: bool) -> None:
    target = plan.target
    if target is None:
        return
    out_l, out_c = _load(st.out_lapor), _load(st.out_channel)
    owes_status = st.lapor_status != target.value and st.lapor_done_for != target.value
    if owes_status or out_l or st.petugas_due:
        status = target if owes_status else LaporStatus(st.lapor_status or target.value)
        if out_l:
            isi = "\n\n".join(out_l)
        elif owes_status:
            isi = f"Status di {mapping.sumber}: {st.channel_status or '-'}"
        else:
            isi = f"Petugas penanggung jawab: {st.petugas_due}"
        # An unrouted report has no agency yet: the channel itself answers.
        oleh = st.officer_name or st.instansi or mapping.sumber
        plan.lapor = LaporWrite(status, isi, oleh, st.petugas_due,
                                out_l)
    elif not owes_status:
        st.lapor_done_for = target.value
    desired = mapping.status.from_lapor.get(target)
    owes = desired is not None and st.channel_status != desired \
        and st.channel_done_for != target.value
    if not writable:
        st.channel_done_for, st.out_channel = target.value, "[]"  # read-only channel
    elif owes or out_c:
        plan.channel = ChannelWrite(desired or st.channel_status or "", out_c)


def lapor_written(st: Any, write: LaporWrite, target: LaporStatus) -> None:
    st.lapor_status = st.wrote_lapor_status = write.status.value
    st.lapor_done_for = target.value
    seen = set(_load(st.seen_lapor)) | {text_hash(write.isi)} | {text_hash(t) for t in write.texts}
    st.seen_lapor, st.out_lapor = _dump(seen), "[]"
    if write.petugas:
        st.petugas_sent, st.petugas_due = write.petugas, None


def channel_written(st: Any, mapping: ChannelMapping, record: Any, texts_after: list[str],
                    write: ChannelWrite, target: LaporStatus) -> None:
    st.channel_done_for = target.value
    st.out_channel = "[]"
    seen = set(_load(st.seen_channel)) | {text_hash(t) for t in texts_after + write.texts}
    st.seen_channel = _dump(seen)
    if isinstance(record, dict):
        status = dig(record, mapping.status.path)
        st.channel_status = st.wrote_channel_status = str(status)
        if not mapping.record.by_content:
            # A channel versioned by content has no version in its answer: the next pull
            # assigns one, and reading back what was written is then recognised as an echo.
            st.channel_version = st.wrote_channel_version = mapping.version_key(record)


def agreement(st: Any, mapping: ChannelMapping) -> bool:
    """Both sides show the same thing, or the channel still holds what the hub wrote for the
    current LAPOR! status (a channel like Sambat cannot express every status)."""
    if st.lapor_status is None or st.channel_status is None:
        return False
    lapor = LaporStatus(st.lapor_status)
    if mapping.status.from_lapor.get(lapor) == st.channel_status:
        return True
    if mapping.status.to_lapor.get(st.channel_status) == lapor:
        return True
    return bool(st.channel_version == st.wrote_channel_version
                and st.channel_done_for == st.lapor_status)
