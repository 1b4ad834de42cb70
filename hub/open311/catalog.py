"""The services a city exposes over Open311: its channels' LAPOR! routes, from the mapping files.

A jurisdiction is a city of a channel mapping (``city.nama`` as a slug, e.g. ``kota-jambi``;
its ``kode_kabkota`` is accepted too). Each distinct (kategori, instansi) route of that city's
mapping files is one service; its ``service_code`` is derived from the route, so it stays the same
as long as the route exists. ``mappings/open311.yaml`` routes these codes back to the same
(kategori, instansi); ``python -m hub.open311.catalog`` prints that block, and a test fails when
the file and the routes disagree.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field

from hub.core.models import Ticket
from hub.mapping.engine import ChannelMapping
from hub.mapping.specs import Target

CHANNEL = "open311"


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


@dataclass(frozen=True)
class Service:
    code: str
    jurisdiction: str
    kategori: str  # the LAPOR! topic's name
    instansi: str | None  # None: sent unrouted, LAPOR!'s admins dispose it
    keywords: tuple[str, ...]  # the channels' own category names that route here
    topic_id: str = ""

    @property
    def name(self) -> str:
        return f"{self.kategori} ({self.instansi or 'SP4N-LAPOR!'})"


@dataclass
class Jurisdiction:
    id: str
    kode_kabkota: str | None
    nama: str
    channels: list[str] = field(default_factory=list)
    services: dict[str, Service] = field(default_factory=dict)


def service_code(target: Target, jurisdiction: str) -> str:
    """``<instansi>--<topic>``; an unrouted route (no instansi) is ``<jurisdiction>--<topic>``."""
    topic = target.kategori_nama or target.kategori
    return f"{slug(target.instansi or jurisdiction)}--{slug(topic)}"


@dataclass
class Catalog:
    jurisdictions: dict[str, Jurisdiction]

    @property
    def services(self) -> dict[str, Service]:
        return {code: s for j in self.jurisdictions.values() for code, s in j.services.items()}

    def find(self, jurisdiction_id: str | None) -> Jurisdiction | None:
        if jurisdiction_id is None:
            return None
        key = jurisdiction_id.strip().lower()
        for j in self.jurisdictions.values():
            if key in (j.id, j.kode_kabkota):
                return j
        return None

    def jurisdiction_of_channel(self, channel: str) -> Jurisdiction | None:
        return next((j for j in self.jurisdictions.values() if channel in j.channels), None)

    def code_for(self, channel: str, ticket: Ticket) -> str | None:
        """The service a stored ticket belongs to; an Open311 ticket names it itself."""
        if channel == CHANNEL:
            code = ticket.source_category
            return code if code in self.services else None
        juris = self.jurisdiction_of_channel(channel)
        if juris is None:
            return None
        target = Target(kategori=ticket.kategori, kategori_nama=ticket.kategori_nama,
                        instansi=ticket.instansi)
        code = service_code(target, juris.id)
        return code if code in self.services else None


def build_catalog(mappings: Mapping[str, ChannelMapping]) -> Catalog:
    found: dict[str, Jurisdiction] = {}
    for name, mapping in sorted(mappings.items()):
        if name == CHANNEL or not mapping.city.nama:
            continue
        jid = slug(mapping.city.nama)
        juris = found.setdefault(jid, Jurisdiction(jid, mapping.city.kode_kabkota,
                                                   mapping.city.nama))
        juris.channels.append(name)
        routes: dict[str, tuple[Target, list[str]]] = {}
        for key, target in mapping.category.map.items():
            routes.setdefault(service_code(target, jid), (target, []))[1].append(key)
        if mapping.category.default is not None:
            routes.setdefault(service_code(mapping.category.default, jid),
                              (mapping.category.default, []))
        for code, (target, keys) in sorted(routes.items()):
            known = juris.services.get(code)
            words = tuple(sorted({*(known.keywords if known else ()), *keys}))
            juris.services[code] = Service(code, jid, target.kategori_nama or target.kategori,
                                           target.instansi, words, target.kategori)
    return Catalog(found)


def category_block(catalog: Catalog) -> str:
    """The ``category.map`` of ``mappings/open311.yaml`` that matches the routes."""
    lines = ["category:", "  path: service_code", "  map:"]
    for juris in catalog.jurisdictions.values():
        lines.append(f"    # {juris.nama} ({juris.id})")
        for code, s in juris.services.items():
            agency = f", instansi: {s.instansi}" if s.instansi else ""
            lines.append(f"    {code}: {{kategori: {s.kategori}{agency}}}")
    lines.append("  default: null   # a code no city exposes is answered 400 and quarantined")
    return "\n".join(lines) + "\n"


def main() -> None:
    from hub.core.settings import get_settings
    from hub.mapping.loader import load_mappings

    settings = get_settings()
    sys.stdout.write(category_block(build_catalog(
        load_mappings(settings.mappings_dir, settings.schemas_dir))))


if __name__ == "__main__":
    main()
