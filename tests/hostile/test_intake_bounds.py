"""The 112 intake as a hostile or clumsy sender meets it: 4xx it can act on, never a 500."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlmodel import Session, select

from hub.core.settings import IntakeSettings
from hub.intake.app import create_app
from hub.ledger.tables import InboundEventRow, QuarantineRow, TicketRow
from hub.sync.pipeline import Hub, sync
from simulators.runner import Endpoint, running
from tests.sandbox import Sandbox

pytestmark = pytest.mark.anyio
TOKEN = "bounds-test-token"
LIMIT = 64 * 1024


@pytest.fixture
def hub(sandbox: Sandbox, sqlite_url: str) -> Hub:
    return sandbox.hub(sqlite_url, intake=IntakeSettings(
        tokens={"call112": SecretStr(TOKEN)}, max_body_bytes=LIMIT))


@pytest.fixture
def intake(hub: Hub) -> Iterator[Endpoint]:
    with running({"intake": create_app(hub)}) as served:
        yield served["intake"]


def _call(call_id: Any = "112-B-0001", versi: int = 1, **extra: Any) -> dict[str, Any]:
    return {"id_panggilan": call_id, "versi": versi, "kelas": "pengaduan",
            "kategori": "jalan_rusak", "judul": "Jalan rusak", "uraian": "Lubang besar",
            "lokasi": "Jl. Juanda", "waktu": "2026-11-20T08:00:00+08:00",
            "penelepon": {"telepon": "081234567890"}} | extra


def _post(intake: Endpoint, body: Any = None, *, raw: bytes | None = None,
          auth: str = f"Bearer {TOKEN}", content_type: str = "application/json",
          channel: str = "call112") -> httpx.Response:
    content = raw if raw is not None else json.dumps(body).encode()
    return httpx.post(f"{intake.root}/events/{channel}", content=content, timeout=30,
                      headers={"Authorization": auth, "Content-Type": content_type})


def _stored(hub: Hub) -> list[InboundEventRow]:
    with Session(hub.engine) as session:
        return list(session.exec(select(InboundEventRow)))


def _quarantined(hub: Hub) -> list[QuarantineRow]:
    with Session(hub.engine) as session:
        return list(session.exec(select(QuarantineRow)))


def test_the_token_is_checked_before_any_channel_is_named(intake: Endpoint) -> None:
    assert _post(intake, _call(), channel="sikesal", auth="Bearer nope").status_code == 401
    assert _post(intake, _call(), channel="nosuch", auth="").status_code == 401
    assert _post(intake, _call(), channel="nosuch").status_code == 404


@pytest.mark.parametrize("scheme", ["bearer", "BEARER", "Bearer"])
def test_the_bearer_scheme_is_case_insensitive(intake: Endpoint, scheme: str) -> None:
    assert _post(intake, _call(), auth=f"{scheme} {TOKEN}").status_code in (200, 202)


def test_a_body_that_is_not_json_by_type_is_415_and_not_stored(hub: Hub,
                                                               intake: Endpoint) -> None:
    assert _post(intake, _call(), content_type="text/plain").status_code == 415
    assert _post(intake, _call(), content_type="application/json; charset=utf-8"
                 ).status_code == 202
    assert len(_stored(hub)) == 1


def test_an_oversized_body_is_413_and_kept_nowhere(hub: Hub, intake: Endpoint) -> None:
    huge = _call(uraian="x" * (LIMIT + 1))
    assert _post(intake, huge).status_code == 413
    assert _post(intake, raw=b"y" * (3 * LIMIT)).status_code == 413
    assert _stored(hub) == [] and _quarantined(hub) == []


def test_deep_nesting_invalid_unicode_and_nan_are_4xx_and_quarantined(
        hub: Hub, intake: Endpoint) -> None:
    deep = b'{"id_panggilan": "112-D", "x": ' + b"[" * 1000 + b"]" * 1000 + b"}"
    answers = [_post(intake, raw=deep).status_code,
               _post(intake, raw=b'{"id_panggilan": "112-U", "judul": "\\ud800"}').status_code,
               _post(intake, raw=b'{"id_panggilan": "112-N", "lat": NaN}').status_code,
               _post(intake, raw=b'{"id_panggilan": "\xff\xfe"}').status_code]
    assert answers == [422, 400, 422, 400]
    assert _stored(hub) == []
    assert len(_quarantined(hub)) == 4


def test_a_malformed_body_never_takes_the_key_of_the_real_event(hub: Hub,
                                                                intake: Endpoint) -> None:
    assert _post(intake, _call(777)).status_code == 422  # a number where a string is due
    real = _post(intake, _call("777"))
    assert (real.status_code, real.json()["status"]) == (202, "accepted")
    broken = _call("112-B-0002")
    del broken["judul"]
    assert _post(intake, broken).status_code == 422
    assert _post(intake, _call("112-B-0002")).status_code == 202  # the corrected resend
    assert sorted(r.event_id.split("@")[0] for r in _stored(hub)) == ["112-B-0002", "777"]


async def test_a_higher_versi_is_a_new_version_sent_to_lapor_exactly_once(
        sandbox: Sandbox, hub: Hub, intake: Endpoint) -> None:
    assert _post(intake, _call("112-V")).status_code == 202
    await sync(hub, ["call112"])
    update = _post(intake, _call("112-V", versi=2, uraian="Lubang makin besar"))
    assert (update.status_code, update.json()["status"]) == (202, "accepted")
    again = _post(intake, _call("112-V", versi=2, uraian="Lubang makin besar"))
    assert again.json()["status"] == "duplicate"
    await sync(hub, ["call112"])
    with Session(hub.engine) as session:
        row = session.exec(select(TicketRow).where(TicketRow.source_id == "112-V")).one()
    assert int(row.source_version) == 2 and "makin besar" in row.payload
    assert Counter(r["ref_eksternal"] for r in sandbox.lapor_reports()) == Counter({"112-V": 1})
