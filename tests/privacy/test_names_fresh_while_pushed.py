"""The masking registry keeps the recently registered names, not every name ever read: a ticket's
reporter is registered again when it is claimed, so a name read long before its push (a backlog,
a replay, another process's pull) is still masked in that push's log lines."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from hub.core.models import Ticket
from hub.ledger.tables import TicketRow
from hub.privacy.logging import scrub_text
from hub.privacy.masking import name_registry
from hub.sync.pipeline import pull, push_batch
from tests.sandbox import Sandbox

pytestmark = pytest.mark.anyio


async def test_a_reporter_read_before_the_registry_forgot_it_is_masked_again_when_pushed(
        sandbox: Sandbox, sqlite_url: str) -> None:
    sandbox.seed("sikesal", 30, 91)
    hub = sandbox.hub(sqlite_url)
    await pull(hub, "sikesal")
    with Session(hub.engine) as session:
        names = {t.pelapor.nama for r in session.exec(select(TicketRow))
                 if (t := Ticket.model_validate_json(r.payload)).pelapor and t.pelapor.nama}
    assert len(names) >= 5
    name_registry.clear()  # as if tens of thousands of later reporters had pushed them out
    assert not any(name in name_registry for name in names)
    await push_batch(hub, ["sikesal"])
    assert all(name in name_registry for name in names)
    assert all(name not in scrub_text(f"gagal: laporan dari {name}") for name in names)
