"""SP4N-LAPOR!'s *public* legacy API (2016–2019): XML report intake and the topic list.

Facts (design/external-systems.md §3.2): ``POST /api/stream/addstream`` with ``Content-Type:
text/xml``, the token an attribute of the root element ``<lapor token="…">``, a ``<pelapor>``
block (email, telpon, namadepan, namabelakang) and ``<laporan rahasia anonim><isi>``; the answer
is XML with ``<trackingid>`` and ``<transaksiid>``. There is no title, category or target agency,
so the judul, place, agency and origin travel inside ``<isi>``. The data API lists topics:
``POST /api/services/f01/gettopics`` with the form field ``KEYTOKEN``.

What it lacks — lookup by origin, change feed, follow-ups, search — is reported in
``capabilities`` and raises ``CapabilityUnavailable``. Answers are parsed with defusedxml:
entities, DTDs and external references are refused, so a hostile body is an unreadable answer,
never a blown-up hub.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar
from xml.etree.ElementTree import Element, SubElement, tostring

import httpx
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring
from pydantic import BaseModel, ConfigDict, SecretStr

from connectors.bodies import BadShape, json_body, validate
from connectors.errors import CapabilityUnavailable
from connectors.http import BaseClient, Call
from connectors.lapor_api import (
    LaporCapabilities,
    LaporChangesPage,
    LaporCreated,
    LaporFound,
    LaporId,
    LaporPelapor,
    LaporReportIn,
    LaporReportRef,
)

ADDSTREAM = "/api/stream/addstream"
GETTOPICS = "/api/services/f01/gettopics"
# LAPOR! creates every report unverified; the legacy answer carries no status of its own.
NEW_STATUS = "belum_terverifikasi"
_NO_LAST_NAME = "_"  # what the public client sends for a one-word name


class LegacyTopic(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: LaporId
    parent: LaporId
    topic_name: str


class _Topics(BaseModel):
    items: list[LegacyTopic]


class LaporLegacyClient(BaseClient):
    """The legacy API root, e.g. ``https://www.lapor.go.id``; ``token`` goes in the XML and as
    ``KEYTOKEN``, never in a header."""

    system = "lapor"
    capabilities: ClassVar[LaporCapabilities] = LaporCapabilities(
        adapter="legacy_xml", lookup_by_origin=False, change_feed=False, follow_up=False,
        search=False, routing=False)

    def __init__(self, base_url: str, token: SecretStr | None = None, **kwargs: Any) -> None:
        super().__init__(base_url, None, **kwargs)
        self._token = token

    def _secret(self) -> str:
        if self._token is None:
            raise CapabilityUnavailable("no token configured for the legacy API",
                                        system=self.system)
        return self._token.get_secret_value()

    async def create_report(self, report: LaporReportIn) -> LaporCreated:
        """File one report. Like every LAPOR! write it is never retried once it may have
        arrived (``AmbiguousWriteError``) — and this API cannot look it up afterwards."""
        body = addstream_xml(report, self._secret())
        return await self.call(
            "POST", ADDSTREAM, content=body, idempotent=False, parse=_created,
            headers={"Content-Type": "text/xml; charset=utf-8", "Accept": "text/xml"})

    async def topics(self) -> list[LegacyTopic]:
        """LAPOR!'s topic list (id, parent, topic_name; digits in strings)."""
        return await self.call("POST", GETTOPICS, data={"KEYTOKEN": self._secret()},
                               idempotent=True, parse=_topics)

    async def check(self) -> None:
        await self.topics()

    async def find_reports(self, *, sumber: str, ref_eksternal: str) -> list[LaporReportRef]:
        raise _missing("lookup by origin")

    async def search_reports(self, *, sejak: datetime, sampai: datetime,
                             instansi: str | None = None, limit: int = 200) -> list[LaporFound]:
        raise _missing("search")

    async def changes(self, *, since: str | None, limit: int = 100) -> LaporChangesPage:
        raise _missing("change feed")

    async def add_follow_up(self, tracking_id: str, *, isi: str, status: str, oleh: str,
                            waktu: datetime, petugas: str | None = None) -> None:
        raise _missing("follow-up")


def _missing(what: str) -> CapabilityUnavailable:
    return CapabilityUnavailable(f"LAPOR!'s legacy API has no {what}", system="lapor")


def _flag(value: bool) -> str:
    return "1" if value else "0"


def legacy_isi(report: LaporReportIn) -> str:
    """The one text field of the legacy intake: judul, the complaint, then what LAPOR!'s admins
    need to dispose it (place, agency, topic id) and the origin, on a line a person can search."""
    lines = [report.judul, "", report.isi, ""]
    if report.lokasi:
        lines.append(f"Lokasi: {report.lokasi}")
    if report.tanggal_kejadian is not None:
        lines.append(f"Tanggal kejadian: {report.tanggal_kejadian.isoformat()}")
    if report.instansi_tujuan:
        lines.append(f"Instansi tujuan: {report.instansi_tujuan}")
    lines.append(f"Topik: {report.kategori}")
    lines.extend(f"Lampiran: {url}" for url in report.lampiran)
    lines.append(origin_line(report.sumber, report.ref_eksternal))
    return "\n".join(lines)


def origin_line(sumber: str, ref_eksternal: str) -> str:
    """How a report's origin reads inside its text (to find it by hand in LAPOR!'s admin)."""
    return f"[lapor-hub {sumber} {ref_eksternal}]"


def _pelapor(parent: Element, who: LaporPelapor) -> None:
    block = SubElement(parent, "pelapor")
    first, _, rest = who.nama.strip().partition(" ")
    SubElement(block, "email").text = who.email or ""
    SubElement(block, "telpon").text = who.telepon or ""
    SubElement(block, "namadepan").text = first
    SubElement(block, "namabelakang").text = rest.strip() or _NO_LAST_NAME


def addstream_xml(report: LaporReportIn, token: str) -> bytes:
    """The addstream body. No ``<pelapor>`` when the hub sends no reporter (an anonymous report
    whose identity stays in the hub); the legacy form has no NIK field."""
    root = Element("lapor", {"token": token})
    if report.pelapor is not None:
        _pelapor(root, report.pelapor)
    laporan = SubElement(root, "laporan", {"rahasia": _flag(report.rahasia),
                                           "anonim": _flag(report.anonim)})
    SubElement(laporan, "isi").text = legacy_isi(report)
    body = bytes(tostring(root, encoding="utf-8", xml_declaration=False))
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body


def parse_xml(response: httpx.Response) -> Element:
    """The answer's root, or ``BadShape``: not XML, or XML with entities/DTDs (refused)."""
    try:
        root: Element = fromstring(response.content, forbid_dtd=True)
    except (ParseError, DefusedXmlException, ValueError):
        raise BadShape("body is not acceptable XML") from None
    return root


def _created(response: httpx.Response, call: Call) -> LaporCreated:
    root = parse_xml(response)
    tracking, transaksi = root.find(".//trackingid"), root.find(".//transaksiid")
    if tracking is None or not (tracking.text or "").strip():
        raise BadShape(fields=["trackingid"])
    data = {"tracking_id": (tracking.text or "").strip(), "status": NEW_STATUS,
            "transaksi_id": (transaksi.text or "").strip() or None if transaksi is not None
            else None}
    return validate(LaporCreated, data)


def _topics(response: httpx.Response, call: Call) -> list[LegacyTopic]:
    return validate(_Topics, {"items": json_body(response)}).items
