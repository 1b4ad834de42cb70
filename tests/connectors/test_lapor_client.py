"""LaporClient: request shapes, parsing, and no automatic retry of a create that may have landed."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import aiohttp
import httpx
import pytest
from pydantic import ValidationError

from connectors.errors import (
    AmbiguousWriteError,
    AuthError,
    InvalidRequest,
    NotFound,
    RateLimited,
    UpstreamUnavailable,
)
from connectors.lapor import (
    LaporChangesPage,
    LaporClient,
    LaporCreated,
    LaporPelapor,
    LaporReportIn,
)

pytestmark = pytest.mark.anyio

NIK = "3671014507900001"
CREATED = {
    "tracking_id": "LPR00000001",
    "transaksi_id": "TRX0000000001",
    "status": "belum_terverifikasi",
}


def report(**overrides: Any) -> LaporReportIn:
    fields: dict[str, Any] = {
        "judul": "Jalan berlubang di Jl. Sudirman",
        "isi": "Lubang besar di depan pasar",
        "klasifikasi": "pengaduan",
        "kategori": "1",
        "instansi_tujuan": "PUPR-1571",
        "tanggal_kejadian": datetime(2026, 11, 20, 8, 0, tzinfo=UTC),
        "pelapor": LaporPelapor(nama="Siti Aminah", nik=NIK, telepon="081234567890"),
        "sumber": "SIKESAL",
        "ref_eksternal": "SKL-000123",
        "lampiran": ["https://sikesal.jambikota.go.id/foto/1.jpg"],
    }
    fields.update(overrides)
    return LaporReportIn(**fields)


async def create(script: Any, client_kwargs: Any, **overrides: Any) -> LaporCreated:
    async with LaporClient(**client_kwargs(script, **overrides)) as lapor:
        return await lapor.create_report(report())


async def test_create_posts_the_contract_body_and_returns_the_ids(
    scripted: Any, client_kwargs: Any
) -> None:
    script = scripted(httpx.Response(201, json=CREATED))
    created = await create(script, client_kwargs)
    assert created == LaporCreated(**CREATED)
    request = script.requests[0]
    assert (request.method, request.url.path) == ("POST", "/api/v1/laporan")
    body = json.loads(request.content)
    assert body["pelapor"] == {
        "nama": "Siti Aminah",
        "nik": NIK,
        "email": None,
        "telepon": "081234567890",
        "terverifikasi": False,
    }
    assert body["tanggal_kejadian"] == "2026-11-20T08:00:00Z"
    assert set(body) == set(LaporReportIn.model_fields)


@pytest.mark.parametrize("ids", [(1916449, 880000001), ("1916449", "880000001")])
async def test_numeric_or_text_ids_are_both_a_clean_create_stored_as_text(
    scripted: Any, client_kwargs: Any, ids: tuple[Any, Any]
) -> None:
    # LAPOR!'s tracking ids are plain numbers; a JSON number must not make a 201 unreadable
    # (which would be an ambiguous write, parked or looked up for nothing).
    body = {"tracking_id": ids[0], "transaksi_id": ids[1], "status": "belum_terverifikasi"}
    created = await create(scripted(httpx.Response(201, json=body)), client_kwargs)
    assert (created.tracking_id, created.transaksi_id) == ("1916449", "880000001")


@pytest.mark.parametrize("bad", [True, 1.5, None, "", ["1"]])
async def test_an_id_that_is_no_number_or_text_is_unreadable(
    scripted: Any, client_kwargs: Any, bad: Any
) -> None:
    body = {"tracking_id": bad, "transaksi_id": 1, "status": "belum_terverifikasi"}
    with pytest.raises(AmbiguousWriteError):
        await create(scripted(httpx.Response(201, json=body)), client_kwargs)


@pytest.mark.parametrize(
    "failure",
    [
        httpx.Response(502),
        httpx.Response(500),
        httpx.ReadTimeout("hang"),
        httpx.RemoteProtocolError("Server disconnected without sending a response."),
        httpx.WriteError("broken pipe"),
        httpx.Response(201, content=b'{"tracking_id": "LPR'),
        httpx.Response(201, json={"tracking_id": "LPR00000001"}),
    ],
)
async def test_create_is_not_retried_once_it_may_have_reached_the_server(
    scripted: Any, client_kwargs: Any, sleeps: Any, failure: Any
) -> None:
    script = scripted(failure, httpx.Response(201, json=CREATED))
    with pytest.raises(AmbiguousWriteError) as caught:
        await create(script, client_kwargs)
    assert len(script.requests) == 1
    assert sleeps.waits == []
    assert caught.value.path == "/laporan"


async def test_create_dropped_by_the_server_via_aiohttp_is_ambiguous_not_a_connect_error(
    scripted: Any, client_kwargs: Any
) -> None:
    # httpx-aiohttp reports a server hang-up after the request as httpx.ConnectTimeout.
    dropped = httpx.ConnectTimeout("Server disconnected")
    dropped.__cause__ = aiohttp.ServerDisconnectedError()
    script = scripted(dropped, httpx.Response(201, json=CREATED))
    with pytest.raises(AmbiguousWriteError):
        await create(script, client_kwargs)
    assert len(script.requests) == 1


async def test_create_is_retried_when_aiohttp_could_not_connect(
    scripted: Any, client_kwargs: Any
) -> None:
    refused = httpx.ConnectTimeout("Cannot connect")
    refused.__cause__ = aiohttp.ClientConnectorError(None, OSError(111, "refused"))  # type: ignore[arg-type]
    script = scripted(refused, httpx.Response(201, json=CREATED))
    assert (await create(script, client_kwargs)).tracking_id == "LPR00000001"
    assert len(script.requests) == 2


@pytest.mark.parametrize(
    "failure",
    [
        httpx.Response(429, headers={"Retry-After": "1"}),
        httpx.ConnectError("refused"),
        httpx.ConnectTimeout("no SYN-ACK"),
        httpx.PoolTimeout("pool full"),
    ],
)
async def test_create_is_retried_when_nothing_was_applied(
    scripted: Any, client_kwargs: Any, failure: Any
) -> None:
    script = scripted(failure, httpx.Response(201, json=CREATED))
    assert (await create(script, client_kwargs)).tracking_id == "LPR00000001"
    assert len(script.requests) == 2


async def test_create_rate_limited_to_the_end_raises_rate_limited(
    scripted: Any, client_kwargs: Any
) -> None:
    script = scripted(httpx.Response(429, headers={"Retry-After": "0"}))
    with pytest.raises(RateLimited):
        await create(script, client_kwargs, max_attempts=3)
    assert len(script.requests) == 3


async def test_create_connect_failures_are_bounded(scripted: Any, client_kwargs: Any) -> None:
    script = scripted(httpx.ConnectError("refused"))
    with pytest.raises(UpstreamUnavailable):
        await create(script, client_kwargs, max_attempts=3)
    assert len(script.requests) == 3


async def test_create_422_gives_field_names_only(scripted: Any, client_kwargs: Any) -> None:
    detail = [{"loc": ["body", "judul"], "msg": "Jalan berlubang too long", "type": "string"}]
    script = scripted(httpx.Response(422, json={"detail": detail}))
    with pytest.raises(InvalidRequest) as caught:
        await create(script, client_kwargs)
    assert caught.value.fields == ["judul"]
    assert caught.value.status == 422
    assert "Jalan" not in str(caught.value)
    assert len(script.requests) == 1


async def test_create_401_is_auth_error(scripted: Any, client_kwargs: Any) -> None:
    script = scripted(httpx.Response(401, json={"detail": "invalid token"}))
    with pytest.raises(AuthError):
        await create(script, client_kwargs)


def test_report_model_errors_never_echo_the_reporter() -> None:
    with pytest.raises(ValidationError) as caught:
        report(kategori="Infrastruktur")  # a topic is sent by its numeric id
    assert NIK not in str(caught.value)
    assert "Siti" not in str(caught.value)
    assert report(anonim=True, pelapor=None).pelapor is None


def test_reporter_repr_hides_personal_data() -> None:
    text = repr(report())
    assert NIK not in text
    assert "Siti" not in text


async def test_find_reports_parses_every_match(scripted: Any, client_kwargs: Any) -> None:
    ref = {
        **CREATED,
        "sumber": "SIKESAL",
        "ref_eksternal": "SKL-000123",
        "dibuat": "2026-11-20T08:00:01+07:00",
    }
    script = scripted(httpx.Response(200, json={"data": [ref, {**ref, "tracking_id": "LPR2"}]}))
    async with LaporClient(**client_kwargs(script)) as lapor:
        refs = await lapor.find_reports(sumber="SIKESAL", ref_eksternal="SKL-000123")
    assert [r.tracking_id for r in refs] == ["LPR00000001", "LPR2"]
    assert refs[0].dibuat.utcoffset() is not None


async def test_changes_sends_the_cursor_and_parses_the_page(
    scripted: Any, client_kwargs: Any
) -> None:
    change = {
        "tracking_id": "LPR00000001",
        "status": "tindak_lanjut",
        "instansi": "PUPR-1571",
        "petugas": "Budi",
        "tindak_lanjut": [
            {"isi": "Sedang diperbaiki", "oleh": "PUPR", "waktu": "2026-11-21T10:00:00+07:00"}
        ],
        "diperbarui": "2026-11-21T10:00:00+07:00",
        "cursor": "000042",
    }
    script = scripted(httpx.Response(200, json={"data": [change], "next_cursor": "000042"}))
    async with LaporClient(**client_kwargs(script)) as lapor:
        first = await lapor.changes(since=None)
        await lapor.changes(since="000042", limit=50)
    assert isinstance(first, LaporChangesPage)
    assert first.next_cursor == "000042"
    assert first.data[0].tindak_lanjut[0].oleh == "PUPR"
    assert dict(script.requests[0].url.params) == {"sejak": "", "limit": "100"}
    assert dict(script.requests[1].url.params) == {"sejak": "000042", "limit": "50"}


async def test_changes_keeps_an_unknown_status_for_the_hub_to_quarantine(
    scripted: Any, client_kwargs: Any
) -> None:
    change = {
        "tracking_id": "LPR1",
        "status": "dieskalasi",
        "diperbarui": "2026-11-21T10:00:00Z",
        "cursor": "1",
    }
    script = scripted(httpx.Response(200, json={"data": [change], "next_cursor": "1"}))
    async with LaporClient(**client_kwargs(script)) as lapor:
        page = await lapor.changes(since=None)
    assert page.data[0].status == "dieskalasi"


async def test_follow_up_posts_to_the_quoted_tracking_id_and_is_not_retried_after_5xx(
    scripted: Any, client_kwargs: Any
) -> None:
    script = scripted(httpx.Response(200, json={}), httpx.Response(503))
    waktu = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
    async with LaporClient(**client_kwargs(script)) as lapor:
        await lapor.add_follow_up(
            "LPR00000001", isi="Sudah", status="selesai", oleh="PUPR", waktu=waktu
        )
        with pytest.raises(AmbiguousWriteError) as caught:
            await lapor.add_follow_up(
                "LPR/../x", isi="x", status="selesai", oleh="PUPR", waktu=waktu
            )
    assert script.requests[0].url.path == "/api/v1/laporan/LPR00000001/tindak-lanjut"
    assert json.loads(script.requests[0].content) == {
        "isi": "Sudah",
        "status": "selesai",
        "oleh": "PUPR",
        "waktu": "2026-11-21T09:00:00+00:00",
    }
    assert script.requests[1].url.raw_path.startswith(b"/api/v1/laporan/LPR%2F..%2Fx/")
    assert caught.value.path == "/laporan/{tracking_id}/tindak-lanjut"
    assert len(script.requests) == 2


async def test_follow_up_on_an_unknown_report_is_not_found(
    scripted: Any, client_kwargs: Any
) -> None:
    script = scripted(httpx.Response(404, json={"detail": "not found"}))
    async with LaporClient(**client_kwargs(script)) as lapor:
        with pytest.raises(NotFound):
            await lapor.add_follow_up(
                "LPR9", isi="x", status="selesai", oleh="x", waktu=datetime.now(UTC)
            )
