"""No full NIK, NIP, phone number or reporter name of the seeded data in any output of a whole
sandbox run (logs at DEBUG, errors, status, quarantine views); anonymous reports carry no
identity to LAPOR!; confidential ones are flagged."""

from __future__ import annotations

import re
from typing import Any

from hub.core.settings import PROJECT_ROOT
from hub.mapping.loader import load_mappings
from hub.mapping.validation import RawValidator
from hub.sync.pull import process_records
from tests.privacy.conftest import DemoRun

_ID_WORDS = {"nik", "nip", "hp", "telepon", "telp", "phone", "email"}
_PERSON_PARENTS = {"pelapor", "pengirim", "reporter", "warga"}


def personal_values(value: Any, parent: str = "") -> set[str]:
    """Every identity value in a raw record, whatever the channel calls its fields."""
    found: set[str] = set()
    if isinstance(value, list):
        for item in value:
            found |= personal_values(item, parent)
    if not isinstance(value, dict):
        return found
    for key, item in value.items():
        words = set(str(key).lower().split("_"))
        if isinstance(item, dict | list):
            found |= personal_values(item, str(key).lower())
        elif isinstance(item, str) and len(item.strip()) >= 5 and (
                words & _ID_WORDS or ("nama" in words and (
                    words & _PERSON_PARENTS or parent in _PERSON_PARENTS))):
            found.add(item.strip())
    return found


def _seeded_identities(run: DemoRun) -> set[str]:
    values: set[str] = set()
    for channel in run.channels:
        for raw in run.sims.state(channel)["records"]:
            values |= personal_values(raw)
    # Phone numbers also as bare digits, the way a careless formatter would print them.
    values |= {re.sub(r"\D", "", v) for v in values if re.fullmatch(r"[+\d][\d .-]{8,}", v)}
    return values


def test_personal_values_finds_identity_fields_of_every_shape() -> None:
    raw = {"pelapor": {"nama": "Siti Rahmawati", "nik": "1571025509900001", "no_hp": "0812345"},
           "nama_pelapor": "Budi Santoso", "nip_pelapor": "197801202005122393",
           "lokasi": {"nama": "Pasar Jambi"}, "kategori": "jalan"}
    assert personal_values(raw) == {"Siti Rahmawati", "1571025509900001", "0812345",
                                    "Budi Santoso", "197801202005122393"}


def test_no_full_nik_phone_or_reporter_name_in_any_output(demo_run: DemoRun) -> None:
    identities = _seeded_identities(demo_run)
    assert len(identities) > 100, "the seeded data must carry identities to look for"
    assert "sync, clean" in demo_run.outputs
    assert any(label.startswith("quarantine show") for label in demo_run.outputs)
    # Only a hint of each leaked value in the failure message: the message is output too.
    leaks = {label: sorted(v[:3] + "…" for v in identities if v in text)[:5]
             for label, text in demo_run.outputs.items()}
    assert not any(leaks.values()), {k: v for k, v in leaks.items() if v}
    logged = demo_run.outputs["sync, faults"] + demo_run.outputs["sync, clean"]
    assert "ticket.pushed" in logged or "channel.pulled" in logged  # the logs were captured


def test_anonymous_reports_carry_no_identity_and_confidential_ones_are_flagged(
        demo_run: DemoRun) -> None:
    mappings = load_mappings(PROJECT_ROOT / "mappings", PROJECT_ROOT / "schemas")
    reports = {(r["sumber"], str(r["ref_eksternal"])): r
               for r in demo_run.sims.state("lapor")["reports"]}
    anonymous = confidential = 0
    for channel in demo_run.channels:
        mapping = mappings[channel]
        validator = RawValidator.from_file(PROJECT_ROOT / "schemas" / mapping.raw_schema)
        records = demo_run.sims.state(channel)["records"]
        for item in process_records(records, mapping, validator).mapped:
            report = reports.get((mapping.sumber, item.ticket.source_id))
            if report is None:
                continue
            if item.ticket.anonim:
                anonymous += 1
                assert report["anonim"] is True and report.get("pelapor") is None
                assert not personal_values(report) - {mapping.sumber}
            if item.ticket.rahasia:
                confidential += 1
                assert report["rahasia"] is True
    # Only channels whose reporters may choose it carry the flags (Sikesal, Laksa, Sambat and
    # Simtramtibum have no such option: their reports are named); Open311 and
    # tests/hub/test_mapping.py cover the anonymous path.
    chooses = [c for c in demo_run.channels
               if any(mappings[c].fields[f].path for f in ("anonim", "rahasia")
                      if f in mappings[c].fields)]
    if chooses:
        assert anonymous > 0 and confidential > 0
    else:
        assert anonymous == confidential == 0
        assert not any(r["anonim"] or r["rahasia"] for r in reports.values())
