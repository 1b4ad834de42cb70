"""Both LAPOR! adapters against the LAPOR! simulator over real HTTP, and the legacy one's XML.

The legacy adapter speaks the public addstream XML (token on the root element, ``<pelapor>``,
``<laporan rahasia anonim>``, ``<trackingid>``/``<transaksiid>`` back) and reads topics from
``gettopics``; what it lacks raises ``CapabilityUnavailable``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from connectors.errors import AmbiguousWriteError, AuthError, CapabilityUnavailable
from connectors.lapor import LaporClient
from connectors.lapor_api import LaporApi, LaporPelapor, LaporReportIn
from connectors.lapor_legacy import LaporLegacyClient, addstream_xml, origin_line
from hub.core.clients import lapor_client
from hub.core.settings import PROJECT_ROOT
from hub.mapping.topics import load_topics
from simulators.lapor import DEFAULT_TOKEN
from tests.sandbox import Sandbox

pytestmark = pytest.mark.anyio
NIK, NAME, PHONE = "1571014507900001", "Siti Aminah Lubis", "081234567890"


def report(ref: str = "SKL-000001", **overrides: Any) -> LaporReportIn:
    fields: dict[str, Any] = {
        "judul": "Drainase tersumbat", "isi": "Air meluap ke jalan", "klasifikasi": "pengaduan",
        "kategori": "14", "instansi_tujuan": "DPUPR-KOTA-JAMBI", "lokasi": "Jl. Sudirman",
        "tanggal_kejadian": datetime(2026, 11, 20, 1, 0, tzinfo=UTC),
        "pelapor": LaporPelapor(nama=NAME, nik=NIK, telepon=PHONE),
        "sumber": "SIKESAL-JAMBI", "ref_eksternal": ref,
    }
    fields.update(overrides)
    return LaporReportIn(**fields)


def legacy(sandbox: Sandbox, token: str = DEFAULT_TOKEN, **kw: Any) -> LaporLegacyClient:
    return LaporLegacyClient(sandbox.endpoints["lapor"].root, SecretStr(token), max_attempts=2,
                             backoff_base_s=0.01, backoff_max_s=0.02, **kw)


def by_ref(sandbox: Sandbox, ref: str) -> list[dict[str, Any]]:
    return [r for r in sandbox.lapor_reports() if origin_line("SIKESAL-JAMBI", ref) in r["isi"]]


async def test_settings_alone_choose_the_adapter_and_both_file_with_numeric_ids(
        sandbox: Sandbox, sqlite_url: str) -> None:
    for adapter, kind in (("json", LaporClient), ("legacy_xml", LaporLegacyClient)):
        settings = sandbox.settings(sqlite_url, lapor=sandbox.settings(sqlite_url).lapor.model_copy(
            update={"adapter": adapter, "legacy_base_url": sandbox.endpoints["lapor"].root}))
        client: LaporApi = lapor_client(settings)
        assert isinstance(client, kind) and client.capabilities.adapter == adapter
        async with client as lapor:
            await lapor.check()
            created = await lapor.create_report(report(f"REF-{adapter}"))
        assert created.tracking_id.isdigit() and (created.transaksi_id or "").isdigit()
        assert created.status == "belum_terverifikasi"
    stored = {r["tracking_id"]: r for r in sandbox.lapor_reports()}
    assert len(stored) == 2


async def test_legacy_addstream_carries_the_reporter_flags_and_everything_in_isi(
        sandbox: Sandbox) -> None:
    async with legacy(sandbox) as lapor:
        created = await lapor.create_report(report(rahasia=True))
    [saved] = by_ref(sandbox, "SKL-000001")
    assert saved["tracking_id"] == created.tracking_id and saved["api"] == "legacy_xml"
    assert (saved["rahasia"], saved["anonim"]) == (True, False)
    assert saved["pelapor"] == {"email": None, "telpon": PHONE, "namadepan": "Siti",
                                "namabelakang": "Aminah Lubis"}
    for part in ("Drainase tersumbat", "Air meluap ke jalan", "Lokasi: Jl. Sudirman",
                 "Instansi tujuan: DPUPR-KOTA-JAMBI", "Topik: 14"):
        assert part in saved["isi"]
    assert NIK not in saved["isi"]  # the legacy form has no NIK field: it is not sent


async def test_legacy_anonymous_report_with_and_without_its_reporter(sandbox: Sandbox) -> None:
    async with legacy(sandbox) as lapor:
        await lapor.create_report(report("A-1", anonim=True, pelapor=None))  # withheld
        await lapor.create_report(report("A-2", anonim=True))  # public_only
    [withheld], [public_only] = by_ref(sandbox, "A-1"), by_ref(sandbox, "A-2")
    assert withheld["anonim"] is True and withheld["pelapor"] is None
    assert public_only["anonim"] is True and public_only["pelapor"]["namadepan"] == "Siti"
    xml = addstream_xml(report(anonim=True, pelapor=None), "T").decode()
    assert "<pelapor>" not in xml and 'anonim="1"' in xml and '<lapor token="T">' in xml


async def test_legacy_wrong_token_is_an_auth_error_and_stores_nothing(sandbox: Sandbox) -> None:
    async with legacy(sandbox, token="wrong") as lapor:
        with pytest.raises(AuthError):
            await lapor.create_report(report())
        with pytest.raises(AuthError):
            await lapor.topics()
    assert sandbox.lapor_reports() == []


async def test_legacy_accept_then_fail_is_ambiguous_and_stored_once(sandbox: Sandbox) -> None:
    sandbox.faults("lapor", accept_then_fail_rate=1.0, seed=3)
    async with legacy(sandbox) as lapor:
        for i in range(4):  # both variants: 502 and a dropped connection
            with pytest.raises(AmbiguousWriteError):
                await lapor.create_report(report(f"AT-{i}"))
    assert [len(by_ref(sandbox, f"AT-{i}")) for i in range(4)] == [1, 1, 1, 1]


async def test_gettopics_is_the_deployment_topic_table(sandbox: Sandbox) -> None:
    async with legacy(sandbox) as lapor:
        topics = await lapor.topics()
    table = load_topics(PROJECT_ROOT / "mappings" / "lapor_topics.yaml")
    assert {(t.id, t.parent, t.topic_name) for t in topics} == {
        (t.id, t.parent, t.name) for t in table.topics.values()}
    assert ("13", "3", "Teknologi Informasi dan Komunikasi") in {
        (t.id, t.parent, t.topic_name) for t in topics}


async def test_what_the_legacy_api_lacks_is_unavailable_not_faked(sandbox: Sandbox) -> None:
    async with legacy(sandbox) as lapor:
        caps = lapor.capabilities
        assert not (caps.lookup_by_origin or caps.change_feed or caps.follow_up or caps.search)
        calls = [lapor.find_reports(sumber="S", ref_eksternal="1"),
                 lapor.search_reports(sejak=datetime.now(UTC), sampai=datetime.now(UTC)),
                 lapor.changes(since=None),
                 lapor.add_follow_up("1", isi="x", status="selesai", oleh="x",
                                     waktu=datetime.now(UTC))]
        for call in calls:
            with pytest.raises(CapabilityUnavailable, match="legacy API has no"):
                await call


BOMB = (b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]>'
        b"<lapor><trackingid>&c;</trackingid></lapor>")
EXTERNAL = (b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b"<lapor><trackingid>&x;</trackingid></lapor>")


@pytest.mark.parametrize("body", [BOMB, EXTERNAL, b"<lapor><trackingid>", b"{}",
                                  b"<lapor><transaksiid>5</transaksiid></lapor>"])
async def test_a_hostile_or_unreadable_answer_is_an_ambiguous_write_never_a_crash(
        scripted: Any, body: bytes) -> None:
    script = scripted(httpx.Response(200, content=body, headers={"Content-Type": "text/xml"}))
    async with LaporLegacyClient("http://lapor.test", SecretStr("T"),
                                 transport=script.transport) as lapor:
        with pytest.raises(AmbiguousWriteError):
            await lapor.create_report(report())
    assert len(script.requests) == 1
    sent = script.requests[0]
    assert sent.headers["content-type"].startswith("text/xml")
    assert "authorization" not in sent.headers  # the token travels in the XML only


async def test_legacy_answer_with_numeric_ids_is_read(scripted: Any) -> None:
    answer = b"<lapor><trackingid>1916449</trackingid><transaksiid>77</transaksiid></lapor>"
    script = scripted(httpx.Response(200, content=answer))
    async with LaporLegacyClient("http://lapor.test", SecretStr("T"),
                                 transport=script.transport) as lapor:
        created = await lapor.create_report(report())
    assert (created.tracking_id, created.transaksi_id) == ("1916449", "77")
    assert script.requests[0].url.path == "/api/stream/addstream"
