"""The mapping engine and mapping-file loading, driven by the real files in mappings/."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from hub.core.models import LaporStatus
from hub.core.settings import PROJECT_ROOT
from hub.mapping.loader import MappingFileError, load_mapping, load_mappings
from hub.mapping.specs import MappingError
from hub.mapping.validation import RawValidator
from hub.sync.pull import process_records
from tests.hub.factories import NAME, NIK, PHONE, raw_sikesal

SCHEMAS = PROJECT_ROOT / "schemas"
MAPPINGS = load_mappings(PROJECT_ROOT / "mappings", SCHEMAS)
SIKESAL = MAPPINGS["sikesal"]
VALIDATOR = RawValidator.from_file(SCHEMAS / "sikesal.raw.json")


def test_sikesal_row_maps_to_lapor_category_agency_and_status() -> None:
    t = SIKESAL.apply(raw_sikesal(7, id_masalah=4, status_laporan="tanggapan",
                                  tanggapan_dinas="Sudah diangkut"))
    # The topic by its LAPOR! id (mappings/lapor_topics.yaml), its name beside it.
    assert (t.kategori, t.kategori_nama, t.instansi) == (
        "2", "Lingkungan Hidup dan Kehutanan", "DLH-KOTA-JAMBI")
    assert t.status == LaporStatus.tindak_lanjut and t.source_status == "tanggapan"
    assert t.source_id == "7" and t.source_category == "4" and t.sla_class == "biasa"
    assert t.pelapor is not None and (t.pelapor.nik, t.pelapor.telepon) == (NIK, PHONE)
    assert t.pelapor.nama == NAME
    assert t.lat == -1.59 and t.lampiran == [
        "https://newsikesal.jambikota.go.id/upload/laporan/20261120080000_1.jpg"]
    assert not t.anonim and not t.rahasia  # Sikesal has no such option: a registered account
    assert SIKESAL.apply(raw_sikesal(1, id_masalah=5)).sla_class == "darurat"


def test_anonymous_record_carries_no_identity_even_if_channel_sent_one() -> None:
    # Open311 is the channel whose reporters choose anonymity (Sikesal's are all named).
    t = MAPPINGS["open311"].apply({
        "token": "o311-" + "cd" * 16, "versi": 1, "jurisdiction_id": "kota-jambi",
        "service_code": "dishub-kota-jambi--infrastruktur", "status": "open",
        "description": "Lampu mati.", "judul": "Lampu mati",
        "requested_datetime": "2026-11-20T08:00:00+07:00", "anonim": True, "rahasia": False,
        "nama": NAME, "nik": NIK, "phone": PHONE, "email": None})
    assert t.anonim and t.pelapor is None


def test_naive_sikesal_times_are_read_as_wib() -> None:
    t = SIKESAL.apply(raw_sikesal(1, tanggal_lapor="2026-11-20 08:15:00"))
    assert t.dibuat.isoformat() == "2026-11-20T08:15:00+07:00"
    assert t.dibuat == datetime(2026, 11, 20, 1, 15, tzinfo=UTC)
    assert t.diperbarui == t.dibuat  # no updated-at column: the filing time


def test_sikesal_empty_columns_map_to_nothing() -> None:
    t = SIKESAL.apply(raw_sikesal(1, foto_laporan="", alamat="", telp_pelapor="", lat=None,
                                  lng=None))
    assert t.lampiran == [] and t.lokasi is None and t.lat is None
    assert t.pelapor is not None and t.pelapor.telepon is None


def test_unknown_category_and_status_are_mapping_errors_not_defaults() -> None:
    with pytest.raises(MappingError) as err:
        SIKESAL.apply(raw_sikesal(1, id_masalah=99))
    assert err.value.reason == "unknown_category" and "99" in str(err.value)
    with pytest.raises(MappingError) as err:
        SIKESAL.apply(raw_sikesal(1, status_laporan="diproses"))  # not a Sikesal status
    assert err.value.reason == "unknown_status"


def test_the_version_of_a_sikesal_row_is_a_fingerprint_of_its_content() -> None:
    row = raw_sikesal(3)
    key = SIKESAL.version_key(row)
    assert key == SIKESAL.version_key(dict(row)) and len(key) == 64
    assert SIKESAL.version_key({**row, "view": 99}) == key  # a read counter is no change
    assert SIKESAL.version_key({**row, "status_laporan": "tanggapan"}) != key
    assert SIKESAL.version_key({**row, "tanggapan_dinas": "Sudah"}) != key


def test_process_records_quarantines_each_kind_of_bad_record_with_reason() -> None:
    bad_nik = raw_sikesal(3, nik="1571023102900001")  # 31 February
    records = [raw_sikesal(1), raw_sikesal(2, isi_laporan=""), bad_nik,
               raw_sikesal(4, id_masalah=99), raw_sikesal(5, tanggal_lapor="2026-11-20T08:00"),
               "not an object"]
    done = process_records(records, SIKESAL, VALIDATOR)
    mapped, bad = done.mapped, done.quarantined
    assert [m.ticket.source_id for m in mapped] == ["1"]
    reasons = {(q.source_id, q.reason) for q in bad}
    assert reasons == {("2", "schema_violation"), ("3", "invalid_nik"),
                       ("4", "unknown_category"), ("5", "schema_violation"),
                       (None, "schema_violation")}
    for q in bad:
        assert NIK not in q.detail and "1571023102900001" not in q.detail


def test_schema_violation_names_field_and_rule_but_not_value() -> None:
    record = raw_sikesal(1, nik="12345")
    [violation, *_] = VALIDATOR.violations(record)
    assert "nik" in str(violation) and "12345" not in str(violation)


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "sikesal.yaml"
    path.write_text(body, encoding="utf-8")
    return path


def test_broken_mapping_file_fails_with_file_line_and_expectation(tmp_path: Path) -> None:
    good = (PROJECT_ROOT / "mappings" / "sikesal.yaml").read_text(encoding="utf-8")
    broken = good.replace("    selesai: selesai\n  from_lapor:",
                          "    selesai: closed\n  from_lapor:", 1)
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
