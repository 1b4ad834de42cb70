"""mappings/laksa.yaml: hashtag routing outcomes, epoch-ms times, "lat,lng", and bad records."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from hub.core.models import LaporStatus
from hub.core.settings import PROJECT_ROOT
from hub.mapping.loader import load_mappings
from hub.mapping.specs import MappingError
from hub.mapping.validation import RawValidator

LAKSA = load_mappings(PROJECT_ROOT / "mappings", PROJECT_ROOT / "schemas")["laksa"]
VALIDATOR = RawValidator.from_file(PROJECT_ROOT / "schemas" / "laksa.raw.json")
NIK = "3671014505750001"


def raw(isi: str = "Jalan berlubang di Jl. Daan Mogot #jalanrusak", **changes: Any
        ) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": 10001, "isi": isi, "status": "menunggu", "koordinat": "-6.178306,106.631889",
        "alamat": "Jl. Daan Mogot, RT 003/RW 005", "kelurahan": "Sukasari",
        "kecamatan": "Tangerang", "pelapor": {"nik": NIK, "nama": "Vivi Lailasari",
                                              "no_hp": "08571763563"},
        "foto": [], "created_at": 1_790_000_000_000, "updated_at": 1_790_000_360_123,
    }
    record.update(changes)
    return record


@pytest.mark.parametrize(("isi", "instansi", "source"), [
    ("Lubang di jalan #jalanrusak", "DPUPR-KOTA-TANGERANG", "#jalanrusak"),
    ("Got mampet #drainase", "DPUPR-KOTA-TANGERANG", "#drainase"),
    ("Sampah numpuk #sampah", "DLH-KOTA-TANGERANG", "#sampah"),
    ("Gelap #PJU", "DISHUB-KOTA-TANGERANG", "#pju"),
    ("Lampu mati #lampumati", "DISHUB-KOTA-TANGERANG", "#lampumati"),
    ("Air masuk rumah #Banjir", "BPBD-KOTA-TANGERANG", "#banjir"),
    ("Pohon roboh #pohontumbang", "DISPERKIMTAN-KOTA-TANGERANG", "#pohontumbang"),
    ("Jukir liar #parkirliar", "DISHUB-KOTA-TANGERANG", "#parkirliar"),
    ("Trotoar penuh lapak #pkl", "SATPOLPP-KOTA-TANGERANG", "#pkl"),
])
def test_each_known_hashtag_routes_to_its_skpd(isi: str, instansi: str, source: str) -> None:
    ticket = LAKSA.apply(raw(isi))
    assert (ticket.instansi, ticket.source_category) == (instansi, source)


def test_several_hashtags_the_first_known_one_decides() -> None:
    assert LAKSA.apply(raw("Banjir lagi #banjir #drainase")).instansi == "BPBD-KOTA-TANGERANG"
    assert LAKSA.apply(raw("#drainase #banjir")).instansi == "DPUPR-KOTA-TANGERANG"
    mixed = LAKSA.apply(raw("#TangerangKota #tolong sampah #sampah"))
    assert (mixed.instansi, mixed.source_category) == ("DLH-KOTA-TANGERANG", "#sampah")


@pytest.mark.parametrize(("isi", "source"), [
    ("Antrean e-KTP panjang sekali", "(no hashtag)"),
    ("Antrean e-KTP panjang #pelayananpublik #TangerangKota",
     "#pelayananpublik #tangerangkota"),
])
def test_no_or_only_unknown_hashtags_go_unrouted_for_lapor_to_dispose(isi: str,
                                                                       source: str) -> None:
    ticket = LAKSA.apply(raw(isi))
    assert (ticket.kategori, ticket.kategori_nama, ticket.instansi) == ("8", "Lainnya", None)
    assert ticket.source_category == source


def test_times_coordinates_reporter_version_and_status() -> None:
    ticket = LAKSA.apply(raw("Lampu mati di Jl. Daan Mogot #pju\nSudah seminggu gelap.",
                             status="proses"))
    assert ticket.judul == "Lampu mati di Jl. Daan Mogot #pju"
    assert ticket.dibuat == datetime(2026, 9, 21, 14, 13, 20, tzinfo=UTC)
    assert ticket.diperbarui.microsecond == 123_000
    assert (ticket.lat, ticket.lng) == (-6.178306, 106.631889)
    assert ticket.source_id == "10001" and ticket.source_version == f"{1_790_000_360_123:020d}"
    assert ticket.status == LaporStatus.tindak_lanjut and not ticket.anonim
    assert ticket.pelapor is not None and ticket.pelapor.telepon == "08571763563"
    assert LAKSA.apply(raw(koordinat=None)).lat is None


@pytest.mark.parametrize("change", [
    {"koordinat": "-6,1783,106,6318"}, {"koordinat": "-6.17830 106.63180"},
    {"koordinat": "-6.1783"}, {"isi": "  "}, {"pelapor": {"nama": "Vivi"}},
    {"updated_at": "1790000360123"},
])
def test_records_invalid_at_source_fail_validation_without_echoing_values(
        change: dict[str, Any]) -> None:
    violations = VALIDATOR.violations(raw(**change))
    assert violations
    assert all("6318" not in str(v) and NIK not in str(v) for v in violations)


def test_a_bad_coordinate_that_slips_past_validation_is_a_bad_value() -> None:
    with pytest.raises(MappingError) as err:
        LAKSA.apply(raw(koordinat="1,2,3"))
    assert err.value.reason == "bad_value"


def test_unknown_status_is_a_mapping_error() -> None:
    with pytest.raises(MappingError) as err:
        LAKSA.apply(raw(status="dihapus"))
    assert err.value.reason == "unknown_status"
