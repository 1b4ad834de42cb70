"""Claim holders: who holds a claim token, whether it is provably gone, and its lease.

A holder is a process (host + pid + the process's start), plus the Prefect flow run it serves
when there is one. Another run on the same host can prove it gone (no such process, a zombie, or
the pid now belongs to a process that started at another time); Prefect's crash and cancellation
hooks release a flow run's holders; otherwise a holder that stops renewing its heartbeat loses
its claim once the lease runs out. Rows of a released holder are taken over at once, with the
lookup in LAPOR! that a takeover needs (``hub.ledger.claims``).

Host identity is the hostname plus the PID namespace, so two containers that share a hostname
never judge each other's pids. Process start is read from ``/proc`` (Linux); elsewhere only
"is the pid alive" is known, so a reused pid there reads as alive and the lease decides.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from pathlib import Path

import structlog
from sqlalchemy import Engine, delete, exists, update
from sqlalchemy.sql.expression import Exists
from sqlmodel import Session, col, select

from hub.ledger.tables import ClaimHolderRow, SendState, TicketRow, utcnow

log = structlog.get_logger(__name__)
PROC = Path("/proc")


@dataclass(frozen=True)
class Holder:
    host: str
    pid: int
    started: str
    flow_run_id: str | None = None


@cache
def _host() -> str:
    try:
        namespace = os.readlink("/proc/self/ns/pid")
    except OSError:
        namespace = "-"
    return f"{socket.gethostname()}/{namespace}"[:200]


@cache
def _boot_id() -> str:
    try:
        return (PROC / "sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return "-"


def process_started(pid: int) -> str | None:
    """When process ``pid`` started (boot id + start ticks), or ``None`` if it is gone."""
    try:
        stat = (PROC / str(pid) / "stat").read_text()
    except FileNotFoundError:
        return None
    except OSError:  # no /proc here: only liveness is knowable
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            pass  # alive, owned by someone else
        return "alive"
    # The command name (field 2) may hold spaces and parentheses: fields count from its end.
    fields = stat[stat.rindex(")") + 2 :].split()
    if fields[0] == "Z":  # killed, not yet reaped by its parent: it will never push again
        return None
    return f"{_boot_id()}:{fields[19]}"


def this_process(flow_run_id: str | None = None) -> Holder:
    pid = os.getpid()
    return Holder(_host(), pid, process_started(pid) or "alive", flow_run_id)


def is_gone(row: ClaimHolderRow, here: Holder) -> bool:
    """Provably gone: on this host, and its process is dead or is another process now."""
    return row.host == here.host and process_started(row.pid) != row.started


def register(engine: Engine, token: str, holder: Holder, run_id: str | None) -> None:
    with Session(engine) as session:
        session.add(ClaimHolderRow(token=token, host=holder.host, pid=holder.pid,
                                   started=holder.started, flow_run_id=holder.flow_run_id,
                                   run_id=run_id))
        session.commit()


def renew(engine: Engine, token: str, lease_s: float) -> bool:
    """Renew the lease; ``False`` once it lapsed or was released: the holder must stop posting."""
    now = utcnow()
    with Session(engine) as session:
        result = session.execute(
            update(ClaimHolderRow)
            .where(col(ClaimHolderRow.token) == token, col(ClaimHolderRow.released_at).is_(None),
                   col(ClaimHolderRow.heartbeat_at) >= now - timedelta(seconds=lease_s))
            .values(heartbeat_at=now))
        session.commit()
    return bool(getattr(result, "rowcount", 0))


def _holds_rows() -> Exists:
    return exists().where(col(TicketRow.claim_token) == ClaimHolderRow.token,
                          col(TicketRow.state) == SendState.sending)


def end(engine: Engine, token: str, reason: str = "run ended") -> None:
    """The holder stops: forgotten if it settled every row, else released for a takeover."""
    with Session(engine) as session:
        session.execute(delete(ClaimHolderRow).where(col(ClaimHolderRow.token) == token,
                                                     ~_holds_rows()))
        session.execute(update(ClaimHolderRow)
                        .where(col(ClaimHolderRow.token) == token,
                               col(ClaimHolderRow.released_at).is_(None))
                        .values(released_at=utcnow(), release_reason=reason[:120]))
        session.commit()


def release_flow_run(engine: Engine, flow_run_id: str, reason: str) -> int:
    """Release every holder of one Prefect flow run (its crash or cancellation hook)."""
    with Session(engine) as session:
        result = session.execute(
            update(ClaimHolderRow)
            .where(col(ClaimHolderRow.flow_run_id) == flow_run_id,
                   col(ClaimHolderRow.released_at).is_(None))
            .values(released_at=utcnow(), release_reason=reason[:120]))
        session.commit()
    released = int(getattr(result, "rowcount", 0) or 0)
    log.info("claims.released", flow_run_id=flow_run_id, holders=released, reason=reason)
    return released


def held_by_flow_runs(engine: Engine) -> list[str]:
    """Flow runs whose unreleased holders still hold ``sending`` rows."""
    with Session(engine) as session:
        return sorted({fr for fr in session.exec(
            select(ClaimHolderRow.flow_run_id).where(
                col(ClaimHolderRow.flow_run_id).is_not(None),
                col(ClaimHolderRow.released_at).is_(None), _holds_rows())) if fr})


def release_gone(engine: Engine, here: Holder | None = None) -> int:
    """Release holders proven gone from this host; forget released ones that hold nothing."""
    here = here or this_process()
    with Session(engine) as session:
        # Read first, write only when there is something to write: this runs between every
        # push, and on SQLite even a DELETE of nothing takes the database's write lock.
        done = list(session.exec(select(ClaimHolderRow.token).where(
            col(ClaimHolderRow.released_at).is_not(None), ~_holds_rows())))
        if done:
            session.execute(delete(ClaimHolderRow).where(col(ClaimHolderRow.token).in_(done)))
        live = list(session.exec(select(ClaimHolderRow).where(
            col(ClaimHolderRow.released_at).is_(None), col(ClaimHolderRow.host) == here.host,
            _holds_rows())))
        gone = [h.token for h in live if (h.pid, h.started) != (here.pid, here.started)
                and is_gone(h, here)]
        if gone:
            session.execute(update(ClaimHolderRow)
                            .where(col(ClaimHolderRow.token).in_(gone),
                                   col(ClaimHolderRow.released_at).is_(None))
                            .values(released_at=utcnow(), release_reason="process gone"))
        session.commit()
    if gone:
        log.warning("claims.holder_gone", holders=len(gone))
    return len(gone)
