"""Privacy fails closed, dates and texts are bounded, and mapping never silently drops a field."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml

from hub.core.settings import PROJECT_ROOT
from hub.mapping.loader import MappingFileError, load_mapping, load_mappings
from hub.mapping.specs import MappingError
from hub.mapping.validation import RawValidator
from hub.sync.pull import process_records
from tests.hub.factories import raw_sikesal

SCHEMAS = PROJECT_ROOT / "schemas"
MAPPINGS = load_mappings(PROJECT_ROOT / "mappings", SCHEMAS)
SIKESAL = MAPPINGS["sikesal"]
VALIDATOR = RawValidator.from_file(SCHEMAS / "sikesal.raw.json")
WIB = timezone(timedelta(hours=7))


def _reasons(records: list[Any]) -> list[str]:
    done = process_records(records, SIKESAL, VALIDATOR)
    assert not done.mapped
    return [q.reason for q in done.quarantined]


def _open311(**overrides: Any) -> dict[str, Any]:
    """A stored Open311 request: the one channel whose reporters choose anonim/rahasia."""
    record: dict[str, Any] = {
        "token": "o311-" + "ab" * 16, "versi": 1, "jurisdiction_id": "kota-jambi",
        "service_code": "dishub-kota-jambi--infrastruktur", "status": "open",
        "description": "Lampu jalan mati di Jl. Sultan Thaha.", "judul": "Lampu jalan mati",
        "requested_datetime": "2026-11-20T08:00:00+07:00", "anonim": False, "rahasia": True,
        "address_string": "Jl. Sultan Thaha", "nama": "Siti Rahmawati", "nik": None,
        "phone": None, "email": None}
    record.update(overrides)
    return record


@pytest.mark.parametrize("flag", ["rahasia", "anonim"])
@pytest.mark.parametrize("value", [None, "ya", 0, "missing"])
def test_a_missing_or_bad_privacy_flag_quarantines_never_defaults_to_public(
        flag: str, value: Any) -> None:
    open311 = MAPPINGS["open311"]
    validator = RawValidator.from_file(SCHEMAS / open311.raw_schema)
    record = _open311()
    assert process_records([record], open311, validator).mapped  # the good one maps
    if value == "missing":
        del record[flag]
    else:
        record[flag] = value
    done = process_records([record], open311, validator)
    assert [q.reason for q in done.quarantined] == ["schema_violation"] and not done.mapped
    # The engine fails closed by itself too, whatever the schema lets through.
    with pytest.raises(MappingError) as err:
        open311.apply(record)
    assert err.value.reason == "privacy_flag" and err.value.field == flag


def test_sikesal_has_no_privacy_option_so_its_flags_are_constants() -> None:
    # Every Sikesal report comes from a registered account: nothing at the source to read.
    assert SIKESAL.fields["anonim"].path is None and SIKESAL.fields["anonim"].value is False
    assert SIKESAL.fields["rahasia"].path is None and SIKESAL.fields["rahasia"].value is False


@pytest.mark.parametrize("channel", ["open311", "sikesal"])
def test_a_mapping_file_may_not_default_a_read_privacy_flag_to_false(
        tmp_path: Path, channel: str) -> None:
    data = yaml.safe_load((PROJECT_ROOT / "mappings" / f"{channel}.yaml").read_text())
    data["fields"]["rahasia"] = {"path": "rahasia", "default": False}
    bad = tmp_path / f"{channel}.yaml"
    bad.write_text(yaml.safe_dump(data))
    with pytest.raises((MappingFileError, ValueError), match="rahasia"):
        load_mapping(bad, SCHEMAS / "mapping.schema.json")


@pytest.mark.parametrize("key", ["nik", "foto_laporan", "kelurahan", "lat", "telp_pelapor",
                                 "tanggapan_dinas", "tanggal_selesai", "status_laporan"])
def test_a_key_lost_on_the_wire_is_a_violation_not_an_emptier_ticket(key: str) -> None:
    record = raw_sikesal(1)
    del record[key]
    assert _reasons([record]) == ["schema_violation"]


def test_a_field_present_at_the_source_is_never_dropped_by_mapping() -> None:
    broken = SIKESAL.model_copy(update={"fields": {
        **SIKESAL.fields, "lokasi": SIKESAL.fields["lokasi"].model_copy(
            update={"transform": [{"strip_prefix": "Jl. Sultan Thaha"}, "empty_to_null"]})}})
    with pytest.raises(MappingError) as err:
        broken.apply(raw_sikesal(1))
    assert (err.value.reason, err.value.field) == ("lost_field", "lokasi")


@pytest.mark.parametrize("stamp", ["1999-12-31 23:59:59", "9999-12-31 23:59:59",
                                   "0001-01-01 00:00:00"])
def test_dates_outside_the_sane_window_are_quarantined(stamp: str) -> None:
    assert _reasons([raw_sikesal(1, tanggal_lapor=stamp)]) == ["out_of_range"]


def test_tomorrow_is_still_accepted_the_day_after_is_not() -> None:
    soon = (datetime.now(WIB) + timedelta(hours=20)).strftime("%Y-%m-%d %H:%M:%S")
    later = (datetime.now(WIB) + timedelta(days=2)).strftime("%Y-%m-%d %H:%M:%S")
    assert len(process_records([raw_sikesal(1, tanggal_lapor=soon)], SIKESAL, VALIDATOR).mapped)
    assert _reasons([raw_sikesal(1, tanggal_lapor=later)]) == ["out_of_range"]


def test_blank_and_oversized_texts_are_quarantined_with_reason() -> None:
    blank = raw_sikesal(1, judul="   ")
    huge = raw_sikesal(2, isi_laporan="x" * (SIKESAL.max_text_chars + 1))
    assert _reasons([blank, huge]) == ["bad_value", "too_large"]


def test_quarantine_detail_never_echoes_the_value() -> None:
    secret = "STATUS-" + "z" * 5000
    record = raw_sikesal(1, status_laporan=secret, alamat=12345)
    done = process_records([record, raw_sikesal(2, status_laporan=secret)], SIKESAL, VALIDATOR)
    for q in done.quarantined:
        assert "zzzz" not in q.detail and "12345" not in q.detail and len(q.detail) < 600
