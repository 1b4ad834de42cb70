from __future__ import annotations

import io
import json
import logging
import sys
from collections.abc import Iterator
from typing import Any

import pytest
import structlog
from pydantic import BaseModel

from hub.privacy.logging import PiiFilter, configure_logging, mask_pii, safe_message
from hub.privacy.masking import register_names

NIK = "3671015501900001"
MASKED_NIK = "3671********0001"


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    level = root.level
    factory = logging.getLogRecordFactory()
    yield
    for handler in root.handlers[:]:
        if isinstance(handler.formatter, structlog.stdlib.ProcessorFormatter):
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)
    logging.setLogRecordFactory(factory)
    structlog.reset_defaults()


def _json_lines(err: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in err.splitlines() if line.startswith("{")]


def _ours(root: logging.Logger) -> list[logging.Handler]:
    return [
        h for h in root.handlers if isinstance(h.formatter, structlog.stdlib.ProcessorFormatter)
    ]


def test_json_event_masks_personal_fields_and_secrets(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(json=True)
    structlog.get_logger().info(
        "ticket.received",
        nik=NIK,
        nama="Budi Santoso",
        telepon="081234567890",
        email="budi.santoso@mail.id",
        token="s3cr3t-token",
        authorization="Bearer abc",
        isi=f"NIK saya {NIK}, hubungi 081234567890",
    )
    (line,) = _json_lines(capsys.readouterr().err)
    assert line["event"] == "ticket.received"
    assert line["level"] == "info"
    assert "timestamp" in line
    assert line["nik"] == MASKED_NIK
    assert line["nama"] == "B*** S***"
    assert line["telepon"] == "0812******90"
    assert line["email"] == "b***@mail.id"
    assert line["token"] == "***"
    assert line["authorization"] == "***"
    assert line["isi"] == f"NIK saya {MASKED_NIK}, hubungi 0812******90"


def test_nested_values_are_masked_without_mutating_the_callers_data(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging(json=True)
    reporter = {"nama_pelapor": "Budi Santoso", "nik": NIK, "contacts": [{"phone": "081234567890"}]}
    structlog.get_logger().info("reporter.seen", reporter=reporter, niks=[NIK], raw=int(NIK))
    (line,) = _json_lines(capsys.readouterr().err)
    assert line["reporter"] == {
        "nama_pelapor": "B*** S***",
        "nik": MASKED_NIK,
        "contacts": [{"phone": "0812******90"}],
    }
    assert line["niks"] == [MASKED_NIK]
    assert line["raw"] == MASKED_NIK
    assert reporter["nik"] == NIK


def test_keys_that_merely_contain_name_stay_readable(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(json=True)
    structlog.get_logger().info(
        "flow.started", flow_name="sync-sikesal", nama_instansi="Dinas PUPR", channel_id=42
    )
    (line,) = _json_lines(capsys.readouterr().err)
    assert line["flow_name"] == "sync-sikesal"
    assert line["nama_instansi"] == "Dinas PUPR"
    assert line["channel_id"] == 42


def test_registered_names_are_masked_in_later_log_lines(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging(json=True)
    register_names(["Dewi Kartikasari"])
    structlog.get_logger().info("ticket.mapped", ringkasan="dewi kartikasari melapor jalan rusak")
    (line,) = _json_lines(capsys.readouterr().err)
    assert line["ringkasan"] == "d*** k*** melapor jalan rusak"


def test_exception_text_is_masked_in_the_rendered_traceback(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging(json=True)
    try:
        raise LookupError(f"NIK {NIK} tidak ditemukan")
    except LookupError:
        structlog.get_logger().exception("identity.failed")
    err = capsys.readouterr().err
    (line,) = _json_lines(err)
    assert "LookupError" in line["exception"]
    assert MASKED_NIK in line["exception"]
    assert NIK not in err


def test_console_renderer_masks_values_and_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(json=False)
    try:
        raise ValueError(f"bad {NIK}")
    except ValueError:
        structlog.get_logger().exception("identity.failed", nik=NIK)
    err = capsys.readouterr().err
    assert "identity.failed" in err
    assert f"nik={MASKED_NIK}" in err
    assert f"ValueError: bad {MASKED_NIK}" in err
    assert NIK not in err


def test_stdlib_logger_lines_are_masked(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(json=True)
    logging.getLogger("httpx").warning(
        "GET /nik/%s for %s", NIK, "budi.santoso@mail.id", extra={"nik": NIK}
    )
    (line,) = _json_lines(capsys.readouterr().err)
    assert line["event"] == f"GET /nik/{MASKED_NIK} for b***@mail.id"
    assert line["logger"] == "httpx"
    assert line["level"] == "warning"
    assert line["nik"] == MASKED_NIK


def test_stdlib_exception_is_masked_in_our_output(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(json=True)
    try:
        raise RuntimeError(f"upstream echoed {NIK}")
    except RuntimeError:
        logging.getLogger("prefect.task_runs").exception("task failed")
    err = capsys.readouterr().err
    assert MASKED_NIK in _json_lines(err)[0]["exception"]
    assert NIK not in err


def test_handlers_we_did_not_add_receive_masked_records() -> None:
    # Stands for Prefect's console and API handlers, which format records themselves.
    configure_logging(json=True)
    stream = io.StringIO()
    foreign = logging.StreamHandler(stream)
    logger = logging.getLogger("test.prefect_like")
    logger.addHandler(foreign)
    logger.propagate = False
    try:
        try:
            raise RuntimeError(f"upstream echoed {NIK}")
        except RuntimeError:
            logger.exception("task for %s failed", NIK)
    finally:
        logger.removeHandler(foreign)
        logger.propagate = True
    text = stream.getvalue()
    assert f"task for {MASKED_NIK} failed" in text
    assert f"RuntimeError: upstream echoed {MASKED_NIK}" in text
    assert NIK not in text


def test_caplog_sees_masked_messages(caplog: pytest.LogCaptureFixture) -> None:
    configure_logging(json=True)
    logging.getLogger("uvicorn.error").warning("client sent %s", NIK)
    assert caplog.messages == [f"client sent {MASKED_NIK}"]


def test_pii_filter_scrubs_records_created_before_configuration() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "nik %s", (NIK,), None)
    assert PiiFilter().filter(record)
    assert record.getMessage() == f"nik {MASKED_NIK}"


def test_configure_twice_keeps_one_handler_and_foreign_handlers(
    capsys: pytest.CaptureFixture[str],
) -> None:
    root = logging.getLogger()
    foreign = logging.NullHandler()
    root.addHandler(foreign)
    try:
        configure_logging(json=True)
        configure_logging(json=True, level="DEBUG")
        assert len(_ours(root)) == 1
        assert foreign in root.handlers
        logging.getLogger("twice").warning("once")
        assert len(_json_lines(capsys.readouterr().err)) == 1
    finally:
        root.removeHandler(foreign)


def test_no_second_console_handler_next_to_an_existing_one() -> None:
    root = logging.getLogger()
    console = logging.StreamHandler(sys.stderr)
    root.addHandler(console)
    try:
        configure_logging(json=True)
        assert _ours(root) == []
        assert console in root.handlers
    finally:
        root.removeHandler(console)


def test_level_filters_structlog_events(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(json=True, level="warning")
    log = structlog.get_logger()
    log.info("quiet")
    log.warning("loud")
    assert [line["event"] for line in _json_lines(capsys.readouterr().err)] == ["loud"]


def test_unknown_level_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown log level"):
        configure_logging(json=True, level="chatty")


class _Reporter(BaseModel):
    nik: str
    nama: str


def test_mask_pii_masks_models_by_field_name() -> None:
    event = mask_pii(
        None, "info", {"event": "x", "reporter": _Reporter(nik=NIK, nama="Budi Santoso")}
    )
    assert event["reporter"] == {"nik": MASKED_NIK, "nama": "B*** S***"}


def test_mask_pii_scrubs_repr_of_unknown_objects() -> None:
    class Opaque:
        def __repr__(self) -> str:
            return f"Opaque({NIK})"

    event = mask_pii(None, "info", {"event": "x", "obj": Opaque()})
    assert event["obj"] == f"Opaque({MASKED_NIK})"


def test_safe_message_masks_the_exception_text() -> None:
    assert safe_message(ValueError(f"NIK {NIK} ditolak")) == f"NIK {MASKED_NIK} ditolak"


@pytest.mark.parametrize("key", ["nik", "NIK", "no_ktp", "noKtp", "nomor_ktp", "ktp", "e_ktp",
                                 "nik_pelapor", "nikPelapor", "nomorIndukKependudukan", "no_kk"])
@pytest.mark.parametrize("value", ["367101550190000", "36710155019000011", 36710155019000011,
                                   "3671-0155-0190-001"])
def test_odd_length_nik_under_an_identity_key_is_masked_whole(
    capsys: pytest.CaptureFixture[str], key: str, value: str | int
) -> None:
    configure_logging(json=True)
    structlog.get_logger().info("reporter.seen", reporter={key: value}, **{key: value})
    err = capsys.readouterr().err
    (line,) = _json_lines(err)
    digits = "".join(ch for ch in str(value) if ch.isdigit())
    assert digits[4:-4] not in "".join(ch for ch in err if ch.isdigit() or ch == "\n")
    assert line[key] == line["reporter"][key] != str(value)


@pytest.mark.parametrize("key", ["no_wa", "whatsapp", "msisdn", "noHp", "nomor_telepon",
                                 "handphone"])
def test_phone_under_a_phone_key_is_masked_whatever_its_shape(
    capsys: pytest.CaptureFixture[str], key: str
) -> None:
    configure_logging(json=True)
    structlog.get_logger().info("reporter.seen", **{key: "62 21 5551 2345"})
    (line,) = _json_lines(capsys.readouterr().err)
    assert "5551" not in line[key] and line[key].endswith("45")


def test_name_in_a_record_that_fails_validation_is_masked_in_later_lines(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from hub.core.settings import PROJECT_ROOT
    from hub.mapping.loader import load_mappings
    from hub.mapping.validation import RawValidator
    from hub.sync.pull import process_records

    mapping = load_mappings(PROJECT_ROOT / "mappings", PROJECT_ROOT / "schemas")["sikesal"]
    validator = RawValidator.from_file(PROJECT_ROOT / "schemas" / mapping.raw_schema)
    unparsed = {"id": "SKL-9", "pelapor": {"nama": "Wahyuningsih Prameswari", "nik": 5}}
    done = process_records([unparsed], mapping, validator)
    assert [q.reason for q in done.quarantined] == ["schema_violation"]
    configure_logging(json=True)
    structlog.get_logger().warning("operator.note", note="telepon wahyuningsih prameswari besok")
    (line,) = _json_lines(capsys.readouterr().err)
    assert line["note"] == "telepon w*** p*** besok"
