"""Claim holders: a holder proved gone loses its rows at once; a live one keeps them."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace

from sqlalchemy import Engine
from sqlmodel import Session, select

from hub.ledger import holders
from hub.ledger.claims import claim_batch
from hub.ledger.ingest import Mapped, ingest_page
from hub.ledger.tables import ClaimHolderRow
from tests.hub.factories import ticket


def _two_claimed(engine: Engine, holder: holders.Holder) -> None:
    page = [Mapped(t, {"id": t.source_id}) for t in (ticket(1), ticket(2))]
    ingest_page(engine, "sikesal", page, [], resume_token=None, run_id="r1")
    holders.register(engine, "old", holder, "r-old")
    assert len(claim_batch(engine, token="old", limit=10, lease_s=300)) == 2


def test_rows_of_a_live_holder_stay_its_own_within_the_lease(engine: Engine) -> None:
    _two_claimed(engine, holders.this_process())
    assert holders.release_gone(engine) == 0
    assert claim_batch(engine, token="new", limit=10, lease_s=300) == []
    assert holders.renew(engine, "old", lease_s=300)


def test_rows_of_a_dead_process_on_this_host_are_taken_over_at_once_with_lookup(
        engine: Engine) -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    here = holders.this_process()
    started = holders.process_started(child.pid)
    assert started is not None
    _two_claimed(engine, replace(here, pid=child.pid, started=started))
    assert holders.release_gone(engine) == 0  # alive: its claim holds
    child.kill()
    child.wait()
    assert holders.release_gone(engine) == 1
    taken = claim_batch(engine, token="new", limit=10, lease_s=300)
    assert len(taken) == 2 and all(c.needs_lookup for c in taken)
    assert not holders.renew(engine, "old", lease_s=300)  # the old holder must stop posting


def test_a_reused_pid_is_another_process_so_its_holder_is_gone(engine: Engine) -> None:
    here = holders.this_process()
    _two_claimed(engine, replace(here, started=here.started + "-before-reboot"))
    assert holders.release_gone(engine, replace(here, pid=1)) == 1
    assert len(claim_batch(engine, token="new", limit=10, lease_s=300)) == 2


def test_a_holder_on_another_host_is_never_judged_from_here(engine: Engine) -> None:
    _two_claimed(engine, holders.Holder("elsewhere/pid:[1]", 1, "x"))
    assert holders.release_gone(engine) == 0
    assert claim_batch(engine, token="new", limit=10, lease_s=300) == []


def test_a_crashed_flow_run_releases_its_holders_and_a_finished_holder_is_forgotten(
        engine: Engine) -> None:
    _two_claimed(engine, holders.Holder("elsewhere/pid:[1]", 1, "x", flow_run_id="fr-1"))
    assert holders.held_by_flow_runs(engine) == ["fr-1"]
    assert holders.release_flow_run(engine, "fr-1", "flow run Crashed") == 1
    taken = claim_batch(engine, token="new", limit=10, lease_s=300)
    assert len(taken) == 2 and all(c.needs_lookup for c in taken)
    holders.register(engine, "idle", holders.this_process(), None)
    holders.end(engine, "idle")  # held nothing: no row left behind
    holders.release_gone(engine)  # forgets "fr-1", which holds nothing any more
    with Session(engine) as session:
        assert [h.token for h in session.exec(select(ClaimHolderRow))] == []
