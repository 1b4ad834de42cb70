"""SP4N-LAPOR!'s public legacy API in the sandbox, beside ``/api/v1`` on the same store.

- ``POST /api/stream/addstream`` (``text/xml``): ``<lapor token="…">``, an optional
  ``<pelapor>`` (email, telpon, namadepan, namabelakang), ``<laporan rahasia anonim><isi>``.
  Answer ``200`` XML ``<lapor><status>sukses</status><trackingid>N</trackingid>
  <transaksiid>N</transaksiid></lapor>`` (the element names are fact; the rest assumed).
- ``POST /api/services/f01/gettopics`` (form ``KEYTOKEN``) → ``[{"id", "parent", "topic_name"}]``,
  digits in strings.

A wrong token is ``401`` (``<lapor><error>invalid token</error></lapor>``), a body that is no such
XML ``400``. Request faults and accept-then-fail apply as on ``/api/v1``.
"""

from __future__ import annotations

from typing import Any, Protocol
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring
from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import JSONResponse

from simulators.faults import DroppedResponse, FaultInjector
from simulators.lapor_topics import gettopics_body


class _Stored(Protocol):
    tracking_id: int
    transaksi_id: int


class LegacyStore(Protocol):
    """The part of ``simulators.lapor_store.LaporStore`` the legacy intake uses."""

    def create_legacy(self, body: dict[str, Any]) -> _Stored: ...

XML = "text/xml; charset=utf-8"
MAX_BODY = 1024 * 1024


def _xml(status_code: int, inner: str) -> Response:
    return Response(f'<?xml version="1.0" encoding="UTF-8"?>\n<lapor>{inner}</lapor>',
                    status_code=status_code, media_type=XML)


def _flag(node: Element, name: str) -> bool | None:
    value = node.get(name, "0")
    return {"0": False, "1": True}.get(value)


def _text(node: Element | None, name: str) -> str | None:
    found = node.find(name) if node is not None else None
    return (found.text or "").strip() or None if found is not None else None


def parse_addstream(raw: bytes) -> tuple[str | None, dict[str, Any]] | None:
    """(token, report body) of an addstream request, or None when it is no such XML."""
    try:
        root = fromstring(raw, forbid_dtd=True)
    except (ParseError, DefusedXmlException, ValueError):
        return None
    laporan = root.find("laporan")
    if root.tag != "lapor" or laporan is None:
        return None
    isi = _text(laporan, "isi")
    rahasia, anonim = _flag(laporan, "rahasia"), _flag(laporan, "anonim")
    if isi is None or rahasia is None or anonim is None:
        return None
    block = root.find("pelapor")
    pelapor = None
    if block is not None:
        pelapor = {k: _text(block, k) for k in ("email", "telpon", "namadepan", "namabelakang")}
        if pelapor["namadepan"] is None:
            return None
    return root.get("token"), {"isi": isi, "rahasia": rahasia, "anonim": anonim,
                               "pelapor": pelapor}


def legacy_router(store: LegacyStore, faults: FaultInjector, token: str) -> APIRouter:
    router = APIRouter(prefix="/api", dependencies=[Depends(faults.request_faults)])

    @router.post("/stream/addstream")
    async def addstream(request: Request) -> Response:
        raw = await request.body()
        parsed = parse_addstream(raw) if len(raw) <= MAX_BODY else None
        if parsed is None:
            return _xml(400, "<error>invalid request</error>")
        given, body = parsed
        if given != token:
            return _xml(401, "<error>invalid token</error>")
        report = store.create_legacy(body)
        if faults.chance(faults.config.accept_then_fail_rate):
            if faults.chance(0.5):
                return DroppedResponse()
            return _xml(502, "<error>bad gateway</error>")
        return _xml(200, f"<status>sukses</status><trackingid>{report.tracking_id}</trackingid>"
                         f"<transaksiid>{report.transaksi_id}</transaksiid>")

    @router.post("/services/f01/gettopics")
    async def gettopics(keytoken: str = Form("", alias="KEYTOKEN")) -> Response:
        if keytoken != token:
            return JSONResponse({"error": "invalid KEYTOKEN"}, status_code=401)
        return JSONResponse(gettopics_body())

    return router
