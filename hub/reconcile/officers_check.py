"""Is each named officer still there? One OPD checked against SIASN by NIP.

For every NIP that ``mappings/officers.yaml`` names for an OPD, in order (officers, deputy,
head), the hub asks ``data-utama`` (still in service, still in the OPD's ``unorIndukId``, the
complaint post compared case-insensitively or by id) and ``rw-jabatan`` (the latest post by
``tmtJabatan``, sorted here, must be in the OPD too). The unit head must also still be the
``PemimpinPnsId`` of the OPD in ``ref-unor``. The first NIP that passes holds the tickets.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from connectors.errors import NotFound
from connectors.siasn import SiasnClient
from connectors.siasn_models import same_id
from hub.reconcile.officers_file import OfficersFile, OpdSpec

# Why a named NIP cannot hold the tickets, as the OPD is told.
REASONS = {"gone": "has no SIASN record", "left": "is no longer in service",
           "moved": "has moved to another unit", "post": "no longer holds the complaint post",
           "not_head": "is no longer the head of the unit"}


@dataclass(frozen=True)
class Standing:
    role: str  # officer | deputy | head
    nip: str
    state: str  # ok, or a key of REASONS
    nama: str | None = None


@dataclass(frozen=True)
class Check:
    instansi: str
    kind: str  # same | new | transferred | unmapped | no_officer | error
    nip: str | None = None
    nama: str | None = None
    role: str | None = None
    unor_id: str | None = None  # the OPD's unorIndukId
    previous: str | None = None
    error: str | None = None
    standings: tuple[Standing, ...] = field(default=())

    @property
    def departed(self) -> list[Standing]:
        return [s for s in self.standings if s.state != "ok"]


class HeadIds:
    """``ref-unor``'s heads by unit id, fetched once per round and only when a head is checked."""

    def __init__(self, siasn: SiasnClient) -> None:
        self._siasn = siasn
        self._heads: dict[str, str] | None = None

    async def of(self, unor_id: str) -> str | None:
        if self._heads is None:
            self._heads = {u.unor_id.lower(): u.pemimpin_pns_id or ""
                           for u in await self._siasn.ref_unor()}
        return self._heads.get(unor_id.lower()) or None


async def standing(siasn: SiasnClient, role: str, nip: str, spec: OpdSpec, post: str,
                   heads: HeadIds) -> Standing:
    try:
        person = await siasn.data_utama(nip)
    except NotFound:
        return Standing(role, nip, "gone")
    if not person.active:
        return Standing(role, nip, "left", person.nama)
    if not same_id(person.unor_induk_id, spec.unor_induk_id):
        return Standing(role, nip, "moved", person.nama)
    history = await siasn.riwayat_jabatan(nip)
    if history and history[0].unor_induk_id and \
            not same_id(history[0].unor_induk_id, spec.unor_induk_id):
        return Standing(role, nip, "moved", person.nama)
    if role == "officer" and not person.holds(post, spec.post_id):
        return Standing(role, nip, "post", person.nama)
    if role == "head" and not same_id(await heads.of(spec.unor_induk_id), person.pns_id):
        return Standing(role, nip, "not_head", person.nama)
    return Standing(role, nip, "ok", person.nama)


async def check_opd(siasn: SiasnClient, instansi: str, current: str | None,
                    units: OfficersFile, heads: HeadIds) -> Check:
    """Who should hold ``instansi``'s tickets now; ``current`` is who holds them."""
    spec = units.opd.get(instansi)
    if spec is None:
        return Check(instansi, "unmapped")
    post = units.post_of(instansi)
    standings: list[Standing] = []
    acting: Standing | None = None
    for role, nip in spec.candidates():
        if acting is not None and role != "officer":
            break  # every named officer is always checked; deputy and head only when needed
        found = await standing(siasn, role, nip, spec, post, heads)
        standings.append(found)
        if acting is None and found.state == "ok":
            acting = found
    if acting is None:
        return Check(instansi, "no_officer", unor_id=spec.unor_induk_id,
                     standings=tuple(standings))
    kind = "same" if current == acting.nip else "transferred" if current else "new"
    return Check(instansi, kind, acting.nip, acting.nama, acting.role, spec.unor_induk_id,
                 previous=current, standings=tuple(standings))
