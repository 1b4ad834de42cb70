"""Hand-written mutations of the hub's core invariants, for ``bench/mutation.py``.

Each mutant is one deliberate bug a user would notice: an exact snippet of one file and what it
becomes. A mutant lists alternatives when the code has been written more than one way across
versions (the first snippet found is used), and the tests that ought to catch it (only the
SQLite variants run, so no PostgreSQL is needed inside the private network namespace).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Mutant:
    name: str
    invariant: str
    path: str
    edits: tuple[tuple[str, str], ...]  # (snippet, replacement): the first one found applies
    tests: tuple[str, ...]


def _m(name: str, invariant: str, path: str, old: str | tuple[str, ...], new: str | tuple[str, ...],
       *tests: str) -> Mutant:
    olds = (old,) if isinstance(old, str) else old
    news = (new,) * len(olds) if isinstance(new, str) else new
    return Mutant(name, invariant, path, tuple(zip(olds, news, strict=True)), tests)


PUSH, CLAIMS, PLAN = "hub/sync/push.py", "hub/ledger/claims.py", "hub/reconcile/plan.py"
MASKING, LOGGING = "hub/privacy/masking.py", "hub/privacy/logging.py"
ACCESS, IDENTITY = "hub/view/access.py", "hub/identity/dukcapil.py"
FAULTS = "tests/e2e/test_fault_matrix.py"
RECONCILE = "tests/e2e/test_reconcile.py"
SIKESAL = "tests/e2e/test_sync_sikesal.py"
PII = ("tests/unit/test_pii.py", "tests/unit/test_logging.py", "tests/privacy")
READ_API = "tests/hub/test_read_api.py"

MUTANTS: list[Mutant] = [
    # exactly-once ------------------------------------------------------------------------------
    _m("no settle wait before the lookup", "exactly-once", PUSH,
       "delay_s=self._policy.ambiguous_settle_s)", "delay_s=0.0)", FAULTS),
    _m("no lookup after an ambiguous answer", "exactly-once", PUSH,
       "                found = await self._lookup(c, sumber, identity)\n",
       "                found = False\n", FAULTS, "tests/e2e/test_quarantine_replay.py"),
    _m("needs_lookup ignored", "exactly-once", PUSH,
       "        if c.needs_lookup:\n", "        if False:\n",
       FAULTS, "tests/e2e/test_quarantine_replay.py", "tests/hub/test_ledger.py"),
    _m("a new version of a sent ticket is sent again", "exactly-once", "hub/ledger/ingest.py",
       "            if row.state == SendState.quarantined:\n",
       "            if row.state in (SendState.quarantined, SendState.sent):\n",
       SIKESAL, "tests/hub/test_ledger.py", "tests/contract"),
    # claims ------------------------------------------------------------------------------------
    _m("lease ignored: live claims are taken over", "claims", CLAIMS,
       "col(TicketRow.claimed_at) < stale)", "col(TicketRow.claimed_at) <= now)",
       "tests/hub/test_ledger.py", FAULTS),
    _m("a stale claim is taken over without a lookup", "claims", CLAIMS,
       "needs_lookup=case((col(TicketRow.state) == SendState.sending, True),",
       "needs_lookup=case((col(TicketRow.state) == SendState.sending, False),",
       "tests/hub/test_ledger.py", FAULTS),
    # echo --------------------------------------------------------------------------------------
    _m("forgets what it wrote to a channel", "echo", PLAN,
       ("        st.channel_status = st.wrote_channel_status = str(status)\n"
        "        st.channel_version = st.wrote_channel_version = mapping.version_key(record)\n",
        "        st.channel_status = st.wrote_channel_status = str(status)\n"
        "        if not mapping.record.by_content:\n"),
       ("        st.wrote_channel_status = str(status)\n",
        "        st.wrote_channel_status = str(status)\n        if False:\n"), RECONCILE),
    _m("forgets the texts it wrote to LAPOR!", "echo", PLAN,
       "    seen = set(_load(st.seen_lapor)) | {text_hash(write.isi)} | {text_hash(t) for t in "
       "write.texts}\n",
       "    seen = set(_load(st.seen_lapor))\n", RECONCILE),
    # anonymity and rahasia -------------------------------------------------------------------
    _m("an anonymous report keeps its reporter", "anonymity", "hub/mapping/engine.py",
       ("pelapor=Reporter(**reporter) if has_reporter and not anonim else None,",
        "pelapor=Reporter(**reporter) if has_reporter and keep_reporter else None,"),
       "pelapor=Reporter(**reporter) if has_reporter else None,",
       SIKESAL, "tests/hub/test_mapping.py", "tests/privacy"),
    _m("the rahasia flag is not sent", "rahasia", "hub/sync/lapor_report.py",
       "        rahasia=ticket.rahasia,\n", "        rahasia=False,\n",
       SIKESAL, "tests/hub/test_mapping.py"),
    _m("rahasia content shown to oversight", "rahasia", ACCESS,
       "    return record.ticket.rahasia and role.kind is not RoleKind.agency\n",
       "    return False\n", READ_API, "tests/privacy"),
    # masking -----------------------------------------------------------------------------------
    _m("NIK not masked", "masking", MASKING,
       "    return _keep_ends(_digits(nik), 4, 4)\n\n\ndef mask_nip",
       "    return _digits(nik)\n\n\ndef mask_nip", *PII),
    _m("62… phones not recognised", "masking", MASKING,
       (r"(?:\+62[ .-]?\(?|62[ .-]?\(?|\(?0)8", r"(?:\+62[ .-]?|62[ .-]?|0)8"),
       (r"(?:\+62[ .-]?\(?|\(?0)8", r"(?:\+62[ .-]?|0)8"), *PII),
    _m("a `nik` key no longer masks its value whole", "masking", LOGGING,
       '    "nik": mask_nik,\n', '    "nik_": mask_nik,\n', *PII),
    _m("known names not masked", "masking", MASKING,
       "    if not roots:\n        return scrubbed\n", "    if True:\n        return scrubbed\n",
       *PII),
    # role scoping ------------------------------------------------------------------------------
    _m("an agency sees every instansi", "role scoping", ACCESS,
       "        return record.ticket.instansi == role.instansi\n", "        return True\n",
       READ_API),
    _m("the integrator lists rahasia tickets", "role scoping", ACCESS,
       "        return not record.ticket.rahasia\n", "        return True\n", READ_API),
    _m("oversight sees reporter names in clear", "role scoping", ACCESS,
       "    return Reporter(nama=mask_name(p.nama) if p.nama else None,",
       "    return Reporter(nama=p.nama,", READ_API, "tests/privacy"),
    # 112 rule ----------------------------------------------------------------------------------
    _m("112 emergencies forwarded to LAPOR!", "112 rule", "hub/mapping/engine.py",
       "        if key in self.forward.values:\n",
       "        if key in self.forward.values or key in self.forward.skip:\n",
       "tests/e2e/test_call112_intake.py", "tests/hub/test_mapping.py"),
    # SLA calendar ------------------------------------------------------------------------------
    _m("holidays are working days", "SLA calendar", "hub/sla/calendar.py",
       "        return day.weekday() < 5 and day not in self.holidays_of(day.year)\n",
       "        return day.weekday() < 5\n", "tests/hub/test_sla.py"),
    _m("weekends are working days", "SLA calendar", "hub/sla/calendar.py",
       "        return day.weekday() < 5 and day not in self.holidays_of(day.year)\n",
       "        return day not in self.holidays_of(day.year)\n", "tests/hub/test_sla.py"),
    # paging ------------------------------------------------------------------------------------
    _m("no overlap before the watermark", "paging", "hub/sync/pull.py",
       "            since = as_utc(cursor.watermark) - timedelta(seconds=overlap_s)\n",
       "            since = as_utc(cursor.watermark)\n",
       "tests/contract", "tests/e2e/test_sync_sikesal.py"),
    _m("read API cursor repeats the last ticket", "paging", "hub/view/records.py",
       "            query = query.where(col(TicketRow.id) < before_id)\n",
       "            query = query.where(col(TicketRow.id) <= before_id)\n", READ_API),
    # quarantine --------------------------------------------------------------------------------
    _m("a replay that still fails is resolved", "quarantine", "hub/sync/quarantine.py",
       "    if done.quarantined:\n"
       "        return _still_failing(hub, entry_id, done.quarantined[0], run_id)\n"
       "    ingest_page(",
       "    if done.quarantined:\n"
       "        return _resolve(hub, entry_id, row.source_id or '', run_id, None)\n"
       "    ingest_page(", "tests/e2e/test_quarantine_replay.py"),
    _m("a newer version does not settle its quarantine entry", "quarantine",
       "hub/ledger/ingest.py",
       "            if row.state == SendState.quarantined:\n"
       "                # A new version may fix what stopped the old one: give it a fresh start.\n"
       "                row.state, row.attempts, row.next_attempt_at = SendState.pending, 0, now\n",
       "            pass\n", "tests/e2e/test_quarantine_replay.py", "tests/hub/test_ledger.py"),
    # reminders ---------------------------------------------------------------------------------
    _m("a reminder is sent again every run", "reminders", "hub/reminders/due.py",
       "            if key in known or due.stage.deadline is None:\n",
       "            if due.stage.deadline is None:\n",
       "tests/hub/test_reminders.py", "tests/flows/test_reminders_flow.py"),
    _m("a late ticket is never escalated", "reminders", "hub/reminders/due.py",
       "                if stage.escalate:\n"
       "                    yield Due(record, stage, ESCALATED)\n",
       "                pass\n", "tests/hub/test_reminders.py",
       "tests/flows/test_reminders_flow.py"),
    # identity ----------------------------------------------------------------------------------
    _m("a partial Dukcapil match counts as verified", "identity", IDENTITY,
       ("        if all(matched.values()):\n", "    if not differs:\n"),
       ("        if any(matched.values()):\n", '    if len(differs) < len(sent | {"NIK"}):\n'),
       SIKESAL, "tests/connectors/test_dukcapil_client.py", "tests/e2e/test_identity_cache.py",
       "tests/e2e/test_identity_wire.py"),
    _m("the identity cache is ignored", "identity", IDENTITY,
       ("        known = self._known.get(key)\n", "        cached = self._cached(key)\n"),
       ("        known = None\n", "        cached = None\n"), SIKESAL,
       "tests/e2e/test_identity_cache.py"),
    _m("a Dukcapil outage blocks the report", "identity", IDENTITY,
       '            return IdentityOutcome(IdentityStatus.unverified, "Dukcapil unavailable")\n',
       "            raise\n", SIKESAL),
]
