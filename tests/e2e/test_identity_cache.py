"""Dukcapil's quota is spent once per person: concurrent complaints of one reporter share a call,
and a later batch reads the cached outcome instead of asking again."""

from __future__ import annotations

import asyncio

import pytest
from sqlmodel import Session, select

from hub.core.clients import dukcapil_client
from hub.core.models import Ticket
from hub.identity.dukcapil import IdentityResolver
from hub.ledger.tables import IdentityCacheRow, TicketRow
from hub.sync.pipeline import Hub, pull
from tests.sandbox import Sandbox

pytestmark = pytest.mark.anyio


async def _named_tickets(sandbox: Sandbox, db_url: str) -> tuple[Hub, list[Ticket]]:
    sandbox.seed("sikesal", 60, 16)
    hub = sandbox.hub(db_url)
    await pull(hub, "sikesal")
    with Session(hub.engine) as session:
        tickets = [Ticket.model_validate_json(r.payload) for r in session.exec(select(TicketRow))]
    named = [t for t in tickets if IdentityResolver.key_of(t) is not None]
    people = {IdentityResolver.key_of(t): t for t in named}
    return hub, list(people.values())


async def test_one_dukcapil_call_per_person_in_a_batch_and_none_once_cached(
        sandbox: Sandbox, db_url: str) -> None:
    hub, people = await _named_tickets(sandbox, db_url)
    assert len(people) >= 5
    five = people[:5]
    complaints = five * 4  # every person filed four complaints in this batch
    client = dukcapil_client(hub.settings)
    assert client is not None
    async with client:
        before = sandbox.state("dukcapil")["calls_today"]
        first = IdentityResolver(hub.engine, client, ttl_s=3600)
        first.prefetch(complaints)
        outcomes = await asyncio.gather(*(first.resolve(t) for t in complaints))
        first.flush()
        assert sandbox.state("dukcapil")["calls_today"] - before == 5
        for i, outcome in enumerate(outcomes):
            assert outcome == outcomes[i % 5]  # the same person, the same verdict
        with Session(hub.engine) as session:
            assert len(list(session.exec(select(IdentityCacheRow)))) == 5

        later = IdentityResolver(hub.engine, client, ttl_s=3600)
        again = [await later.resolve(t) for t in five]  # no prefetch: it reads the cache itself
        assert again == outcomes[:5]
        assert sandbox.state("dukcapil")["calls_today"] - before == 5
        assert later.calls == 0


async def test_an_expired_cache_entry_is_verified_again(sandbox: Sandbox, sqlite_url: str) -> None:
    hub, people = await _named_tickets(sandbox, sqlite_url)
    client = dukcapil_client(hub.settings)
    assert client is not None
    async with client:
        first = IdentityResolver(hub.engine, client, ttl_s=3600)
        await first.resolve(people[0])
        first.flush()
        expired = IdentityResolver(hub.engine, client, ttl_s=0)
        await asyncio.sleep(0.01)
        await expired.resolve(people[0])
        assert expired.calls == 1
        expired.flush()  # rewriting the row (another worker may have too) must not fail


async def test_two_workers_deciding_the_same_people_both_store_without_error(
        sandbox: Sandbox, db_url: str) -> None:
    hub, people = await _named_tickets(sandbox, db_url)
    client = dukcapil_client(hub.settings)
    assert client is not None
    async with client:
        one = IdentityResolver(hub.engine, client, ttl_s=3600)
        two = IdentityResolver(hub.engine, client, ttl_s=3600)
        one.prefetch(people[:4])
        two.prefetch(people[:4])  # neither has written yet: both ask Dukcapil
        first = [await one.resolve(t) for t in people[:4]]
        second = [await two.resolve(t) for t in people[:4]]
        one.flush()
        two.flush()  # these keys now exist: updated, not inserted twice
        assert first == second
        with Session(hub.engine) as session:
            rows = list(session.exec(select(IdentityCacheRow)))
        assert sorted(r.key for r in rows) == sorted(
            k for t in people[:4] if (k := IdentityResolver.key_of(t)) is not None)
        assert {r.status for r in rows} == {str(o.status) for o in first}
