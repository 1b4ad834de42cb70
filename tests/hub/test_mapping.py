"""The mapping engine and mapping-file loading, driven by the real files in mappings/."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.core.models import LaporStatus
from hub.core.settings import PROJECT_ROOT
from hub.mapping.engine import MappingError
from hub.mapping.loader import MappingFileError, load_mapping, load_mappings
from hub.mapping.validation import RawValidator
from hub.sync.pull import process_records
from tests.hub.factories import NIK, raw_sikesal

SCHEMAS = PROJECT_ROOT / "schemas"
MAPPINGS = load_mappings(PROJECT_ROOT / "mappings", SCHEMAS)
SIKESAL = MAPPINGS["sikesal"]
VALIDATOR = RawValidator.from_file(SCHEMAS / "sikesal.raw.json")


def test_sikesal_record_maps_to_lapor_category_agency_and_status() -> None:
    t = SIKESAL.apply(raw_sikesal(7, kategori="sampah", status="diproses"))
    # The topic by its LAPOR! id (mappings/lapor_topics.yaml), its name beside it.
    assert (t.kategori, t.kategori_nama, t.instansi) == (
        "2", "Lingkungan Hidup dan Kehutanan", "DLH-KOTA-JAMBI")
    assert t.status == LaporStatus.tindak_lanjut and t.source_status == "diproses"
    assert t.source_id == "SKL-000007" and t.sla_class == "penting"
    assert t.pelapor is not None and t.pelapor.nik == NIK
    assert t.lat == -1.59 and t.lampiran == ["https://sikesal.example/foto/1.jpg"]


def test_anonymous_record_carries_no_identity_even_if_channel_sent_one() -> None:
    t = SIKESAL.apply(raw_sikesal(1, anonim=True))
    assert t.anonim and t.pelapor is None


def test_unknown_category_and_status_are_mapping_errors_not_defaults() -> None:
    with pytest.raises(MappingError) as err:
        SIKESAL.apply(raw_sikesal(1, kategori="lainnya"))
    assert err.value.reason == "unknown_category" and "lainnya" in str(err.value)
    with pytest.raises(MappingError) as err:
        SIKESAL.apply(raw_sikesal(1, status="dibatalkan"))
    assert err.value.reason == "unknown_status"


def test_process_records_quarantines_each_kind_of_bad_record_with_reason() -> None:
    bad_nik = raw_sikesal(3)
    bad_nik["pelapor"] = {"nama": "X", "nik": "1571023102900001", "telepon": None}  # 31 February
    records = [raw_sikesal(1), raw_sikesal(2, isi=""), bad_nik, raw_sikesal(4, kategori="lainnya"),
               "not an object"]
    done = process_records(records, SIKESAL, VALIDATOR)
    mapped, bad = done.mapped, done.quarantined
    assert [m.ticket.source_id for m in mapped] == ["SKL-000001"]
    reasons = {(q.source_id, q.reason) for q in bad}
    assert reasons == {("SKL-000002", "schema_violation"), ("SKL-000003", "invalid_nik"),
                       ("SKL-000004", "unknown_category"), (None, "schema_violation")}
    for q in bad:
        assert NIK not in q.detail and "1571023102900001" not in q.detail


def test_schema_violation_names_field_and_rule_but_not_value() -> None:
    record = raw_sikesal(1)
    record["pelapor"]["nik"] = "12345"
    [violation, *_] = VALIDATOR.violations(record)
    assert "pelapor" in str(violation) and "12345" not in str(violation)


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "sikesal.yaml"
    path.write_text(body, encoding="utf-8")
    return path


def test_broken_mapping_file_fails_with_file_line_and_expectation(tmp_path: Path) -> None:
    good = (PROJECT_ROOT / "mappings" / "sikesal.yaml").read_text(encoding="utf-8")
    broken = good.replace("    selesai: selesai\n    ditolak: bukan_wewenang",
                          "    selesai: closed\n    ditolak: bukan_wewenang", 1)
    path = _write(tmp_path, broken)
    with pytest.raises(MappingFileError) as err:
        load_mapping(path, SCHEMAS / "mapping.schema.json")
    line = next(i for i, text in enumerate(broken.splitlines(), 1) if "selesai: closed" in text)
    assert err.value.line == line
    assert err.value.path == "status.to_lapor.selesai"
    assert "closed" in err.value.expected and str(path) in str(err.value)


def test_unknown_transform_is_rejected_at_load(tmp_path: Path) -> None:
    good = (PROJECT_ROOT / "mappings" / "sikesal.yaml").read_text(encoding="utf-8")
    path = _write(tmp_path, good.replace("transform: [strip]}", "transform: [shout]}", 1))
    with pytest.raises(MappingFileError, match="unknown transform 'shout'"):
        load_mapping(path, SCHEMAS / "mapping.schema.json")
