"""Anonymity: by default no identity of an anonymous report leaves the hub; a channel whose
"anonymous" means "hidden from the public only" (``anonymity: public_only``) sends the reporter
with ``anonim`` set, as LAPOR!'s own form does."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from hub.core.models import IdentityStatus
from hub.core.settings import PROJECT_ROOT
from hub.identity.dukcapil import IdentityOutcome
from hub.mapping.loader import load_mappings
from hub.sync.lapor_report import build_report
from tests.hub.factories import NAME, NIK, PHONE

SKIPPED = IdentityOutcome(IdentityStatus.not_applicable, None)
SUMBER = "OPEN311"


def _anonymous_request() -> dict[str, object]:
    """Open311 is the channel whose reporters choose anonymity (Sikesal's are all named)."""
    return {"token": "o311-" + "ab" * 16, "versi": 1, "jurisdiction_id": "kota-jambi",
            "service_code": "dishub-kota-jambi--infrastruktur", "status": "open",
            "description": "Lampu mati.", "judul": "Lampu mati",
            "requested_datetime": "2026-11-20T08:00:00+07:00", "anonim": True, "rahasia": False,
            "nama": NAME, "nik": NIK, "phone": PHONE, "email": None}


def _mapping(tmp_path: Path, anonymity: str | None) -> object:
    out = tmp_path / "mappings"
    out.mkdir()
    for name in ("lapor_topics.yaml", "open311.yaml"):
        (out / name).write_bytes((PROJECT_ROOT / "mappings" / name).read_bytes())
    if anonymity is not None:
        spec = yaml.safe_load((out / "open311.yaml").read_text(encoding="utf-8"))
        spec["anonymity"] = anonymity
        (out / "open311.yaml").write_text(yaml.safe_dump(spec, allow_unicode=True))
    return load_mappings(out, PROJECT_ROOT / "schemas")["open311"]


@pytest.mark.parametrize("anonymity", [None, "withheld"])
def test_by_default_an_anonymous_report_carries_no_identity(tmp_path: Path,
                                                             anonymity: str | None) -> None:
    mapping = _mapping(tmp_path, anonymity)
    ticket = mapping.apply(_anonymous_request())  # type: ignore[attr-defined]
    assert ticket.anonim and ticket.pelapor is None
    report = build_report(ticket, SUMBER, SKIPPED, mapping.anonymity)  # type: ignore[attr-defined]
    assert report.anonim and report.pelapor is None
    assert NIK not in report.model_dump_json()


def test_public_only_sends_the_reporter_with_anonim_set(tmp_path: Path) -> None:
    mapping = _mapping(tmp_path, "public_only")
    ticket = mapping.apply(_anonymous_request())  # type: ignore[attr-defined]
    assert ticket.anonim and ticket.pelapor is not None and ticket.pelapor.nik == NIK
    report = build_report(ticket, SUMBER, SKIPPED, "public_only")
    assert report.anonim is True
    assert report.pelapor is not None and report.pelapor.nik == NIK
    assert report.pelapor.terverifikasi is False  # not checked at Dukcapil: anonymous
    # The hub's own guard holds even for such a ticket when the mapping does not say so.
    assert build_report(ticket, SUMBER, SKIPPED).pelapor is None


def test_an_unknown_anonymity_fails_the_load(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="anonymity"):
        _mapping(tmp_path, "sometimes")
