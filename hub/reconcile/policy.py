"""The conflict policy of the two-way sync, as one pure function (stated in the README).

1. Status rank only moves forward: ``belum_terverifikasi`` < ``terverifikasi`` = ``ditunda`` <
   ``tindak_lanjut`` < ``selesai``. A move backwards from either side is refused and recorded.
2. SP4N-LAPOR! is the authority for ``bukan_wewenang`` and ``diarsipkan``: LAPOR! may set them or
   leave them at any time; a channel can neither set them nor move a ticket out of them (its
   position reaches LAPOR! as follow-up text for LAPOR!'s admins to decide).
3. Both sides changed since the last sync: LAPOR!'s authority statuses win; otherwise the higher
   rank wins; on equal rank LAPOR!'s status is kept. The loser side is written the winner.
4. The agency (channel) is the authority for its follow-up text: its texts go to LAPOR! as they
   are, are never overwritten, and a text is never sent back to the side it came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hub.core.models import LaporStatus

AUTHORITY: frozenset[LaporStatus] = frozenset({LaporStatus.bukan_wewenang,
                                               LaporStatus.diarsipkan})
RANK: dict[LaporStatus, int] = {
    LaporStatus.belum_terverifikasi: 0, LaporStatus.terverifikasi: 1, LaporStatus.ditunda: 1,
    LaporStatus.tindak_lanjut: 2, LaporStatus.selesai: 3, LaporStatus.bukan_wewenang: 3,
    LaporStatus.diarsipkan: 4,
}


@dataclass(frozen=True)
class Refusal:
    side: str  # lapor | channel
    value: LaporStatus
    reason: str  # status_backwards | lapor_authority


@dataclass(frozen=True)
class Resolution:
    target: LaporStatus | None
    rule: str | None = None  # set when both sides moved: which rule decided
    winner: str | None = None  # lapor | channel, when both moved
    refused: list[Refusal] = field(default_factory=list)

    @property
    def conflict(self) -> bool:
        return self.winner is not None


def _backwards(new: LaporStatus, base: LaporStatus | None) -> bool:
    return base is not None and RANK[new] < RANK[base]


def resolve(base: LaporStatus | None, lapor: LaporStatus | None,
            channel: LaporStatus | None) -> Resolution:
    """The status both sides should show, given the agreed ``base`` and each side's new status
    (None: that side did not move since the last sync)."""
    refused: list[Refusal] = []
    lapor_ok = lapor is not None
    if lapor is not None and not (lapor in AUTHORITY or (base in AUTHORITY)) \
            and _backwards(lapor, base):
        refused.append(Refusal("lapor", lapor, "status_backwards"))
        lapor_ok = False
    channel_ok = channel is not None
    if channel is not None:
        if channel in AUTHORITY or base in AUTHORITY:
            refused.append(Refusal("channel", channel, "lapor_authority"))
            channel_ok = False
        elif _backwards(channel, base):
            refused.append(Refusal("channel", channel, "status_backwards"))
            channel_ok = False
    if lapor_ok and channel_ok and lapor is not None and channel is not None:
        if lapor == channel:
            return Resolution(lapor, refused=refused)
        if lapor in AUTHORITY:
            return Resolution(lapor, "lapor_authority", "lapor", refused)
        if RANK[channel] > RANK[lapor]:
            return Resolution(channel, "forward_only", "channel", refused)
        rule = "forward_only" if RANK[lapor] > RANK[channel] else "equal_rank_lapor"
        return Resolution(lapor, rule, "lapor", refused)
    if lapor_ok:
        return Resolution(lapor, refused=refused)
    if channel_ok:
        return Resolution(channel, refused=refused)
    return Resolution(base, refused=refused)
