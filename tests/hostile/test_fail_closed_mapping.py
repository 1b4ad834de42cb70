"""Privacy fails closed, dates and texts are bounded, and mapping never silently drops a field."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from hub.core.settings import PROJECT_ROOT
from hub.mapping.engine import MappingError
from hub.mapping.loader import MappingFileError, load_mapping, load_mappings
from hub.mapping.validation import RawValidator
from hub.sync.pull import process_records
from tests.hub.factories import raw_sikesal

SCHEMAS = PROJECT_ROOT / "schemas"
MAPPINGS = load_mappings(PROJECT_ROOT / "mappings", SCHEMAS)
SIKESAL = MAPPINGS["sikesal"]
VALIDATOR = RawValidator.from_file(SCHEMAS / "sikesal.raw.json")


def _reasons(records: list[Any]) -> list[str]:
    done = process_records(records, SIKESAL, VALIDATOR)
    assert not done.mapped
    return [q.reason for q in done.quarantined]


@pytest.mark.parametrize("flag", ["rahasia", "anonim"])
@pytest.mark.parametrize("value", [None, "ya", 0, "missing"])
def test_a_missing_or_bad_privacy_flag_quarantines_never_defaults_to_public(
        flag: str, value: Any) -> None:
    record = raw_sikesal(1, rahasia=True)
    if value == "missing":
        del record[flag]
    else:
        record[flag] = value
    assert _reasons([record]) == ["schema_violation"]
    # The engine fails closed by itself too, whatever the schema lets through.
    with pytest.raises(MappingError) as err:
        SIKESAL.apply(record)
    assert err.value.reason == "privacy_flag" and err.value.field == flag


def test_a_mapping_file_may_not_default_a_read_privacy_flag_to_false(tmp_path: Path) -> None:
    data = yaml.safe_load((PROJECT_ROOT / "mappings" / "sikesal.yaml").read_text())
    data["fields"]["rahasia"] = {"path": "rahasia", "default": False}
    bad = tmp_path / "sikesal.yaml"
    bad.write_text(yaml.safe_dump(data))
    with pytest.raises((MappingFileError, ValueError), match="rahasia"):
        load_mapping(bad, SCHEMAS / "mapping.schema.json")


@pytest.mark.parametrize("key", ["pelapor", "foto", "lokasi.kelurahan", "lokasi.lat",
                                 "pelapor.telepon"])
def test_a_key_lost_on_the_wire_is_a_violation_not_an_emptier_ticket(key: str) -> None:
    record = raw_sikesal(1)
    node = record
    *parents, last = key.split(".")
    for part in parents:
        node = node[part]
    del node[last]
    assert _reasons([record]) == ["schema_violation"]


def test_a_field_present_at_the_source_is_never_dropped_by_mapping() -> None:
    broken = SIKESAL.model_copy(update={"fields": {
        **SIKESAL.fields, "lokasi": SIKESAL.fields["lokasi"].model_copy(
            update={"transform": [{"strip_prefix": "Jl. Sultan Thaha"}, "empty_to_null"]})}})
    with pytest.raises(MappingError) as err:
        broken.apply(raw_sikesal(1))
    assert (err.value.reason, err.value.field) == ("lost_field", "lokasi")


@pytest.mark.parametrize("stamp", ["1999-12-31T23:59:59+00:00", "9999-12-31T23:59:59-14:00",
                                   "0001-01-01T00:00:00+00:00"])
def test_dates_outside_the_sane_window_are_quarantined(stamp: str) -> None:
    assert _reasons([raw_sikesal(1, diperbarui_pada=stamp)]) == ["out_of_range"]


def test_tomorrow_is_still_accepted_the_day_after_is_not() -> None:
    soon = (datetime.now(UTC) + timedelta(hours=20)).isoformat()
    later = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    assert len(process_records([raw_sikesal(1, dibuat_pada=soon)], SIKESAL, VALIDATOR).mapped)
    assert _reasons([raw_sikesal(1, dibuat_pada=later)]) == ["out_of_range"]


def test_blank_and_oversized_texts_are_quarantined_with_reason() -> None:
    blank = raw_sikesal(1, judul="   ")
    huge = raw_sikesal(2, isi="x" * (SIKESAL.max_text_chars + 1))
    assert _reasons([blank, huge]) == ["bad_value", "too_large"]


def test_quarantine_detail_never_echoes_the_value() -> None:
    secret = "KATEGORI-" + "z" * 5000
    record = raw_sikesal(1, kategori=secret, lokasi={"alamat": 12345})
    done = process_records([record, raw_sikesal(2, kategori=secret)], SIKESAL, VALIDATOR)
    for q in done.quarantined:
        assert "zzzz" not in q.detail and "12345" not in q.detail and len(q.detail) < 600
