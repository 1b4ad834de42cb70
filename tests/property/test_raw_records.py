"""Bad input at the edges: whatever a channel serves, validation + mapping never crash.

Every generated record ends up mapped, skipped or quarantined with a reason; the mapping
engine's transforms return a value or raise ``TransformError``, never anything else.
"""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime
from functools import cache
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.core.settings import PROJECT_ROOT
from hub.mapping.engine import ChannelMapping
from hub.mapping.loader import load_mappings
from hub.mapping.transforms import NEEDS_ARG, REGISTRY, TransformError, apply_transforms
from hub.mapping.validation import RawValidator
from hub.open311.catalog import build_catalog
from hub.open311.submit import build_record, token_for
from hub.sync.pull import process_records
from simulators.runner import SIMULATORS, SimulatorSettings, build_apps

MAPPINGS = load_mappings(PROJECT_ROOT / "mappings", PROJECT_ROOT / "schemas")
# 60 examples in the default run; `make fuzz` (a profile with more examples) scales this up.
PROFILE = settings(max_examples=max(60, settings.default.max_examples // 2), deadline=None,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=40),
    st.sampled_from(["", " ", "2026-11-20T08:00:00+07:00", "2026-13-45", "20/11/2026 08:00",
                     "1571025509900001", "-6.2,106.7", "#jalan", "baru", "0", "1e999"]),
)
json_values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(max_size=12), inner, max_size=4), max_leaves=12)


@cache
def _validator(channel: str) -> RawValidator:
    return RawValidator.from_file(PROJECT_ROOT / "schemas" / MAPPINGS[channel].raw_schema)


def _open311_samples() -> list[dict[str, Any]]:
    """Open311 has no simulator (the hub serves it): records as its POST handler builds them."""
    juris = build_catalog(MAPPINGS).jurisdictions["kota-jambi"]
    forms = [{"service_code": code, "lat": "-1.61", "long": "103.61", "description": f"Laporan {n}",
              "first_name": "Siti", "phone": "081234567890", "attribute[nik]": "1571025509900001",
              "attribute[rahasia]": "true" if n % 2 else "false"}
             for n, code in enumerate(juris.services)]
    now = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
    return [build_record(f, juris, token_for("k", f, None), "k", now) for f in forms]


@cache
def _samples(channel: str) -> list[dict[str, Any]]:
    """Valid-looking records from the channel's own simulator, to mutate."""
    if channel == "open311":
        return _open311_samples()
    if channel not in SIMULATORS:
        return []
    app = build_apps(SimulatorSettings(only=[channel], seed=3, n=15))[channel]
    state = app.state.backend.state()
    records = state.get("records") or state.get("calls") or []
    return [r for r in records if isinstance(r, dict)]


def _keys(mapping: ChannelMapping, record: dict[str, Any]) -> list[str]:
    paths = [spec.path for spec in mapping.fields.values() if spec.path]
    version = mapping.record.version.path if mapping.record.version else None
    paths += [p for p in (mapping.record.id.path, version,
                          mapping.category.path, mapping.status.path) if p]
    return sorted(set(paths) | set(record))


def _set(record: dict[str, Any], path: str, value: Any, delete: bool) -> None:
    *parents, last = path.split(".")
    node: Any = record
    for part in parents:
        if not isinstance(node, dict):
            return
        node = node.setdefault(part, {})
    if isinstance(node, dict):
        if delete:
            node.pop(last, None)
        else:
            node[last] = value


def _assert_accounted(channel: str, records: list[Any]) -> None:
    done = process_records(records, MAPPINGS[channel], _validator(channel))
    assert len(done.mapped) + len(done.quarantined) + len(done.skipped) == len(records)
    for entry in done.quarantined:
        assert entry.reason and entry.detail and entry.stage in {"validate", "map", "identity"}


@pytest.mark.parametrize("channel", sorted(MAPPINGS))
@PROFILE
@given(data=st.data())
def test_mutated_channel_records_are_mapped_or_quarantined_never_crash(
        channel: str, data: st.DataObject) -> None:
    samples = _samples(channel)
    assert samples, f"{channel}: its simulator serves no sample records to mutate"
    record = copy.deepcopy(data.draw(st.sampled_from(samples)))
    paths = _keys(MAPPINGS[channel], record)
    for _ in range(data.draw(st.integers(min_value=1, max_value=4))):
        path = data.draw(st.sampled_from(paths))
        _set(record, path, data.draw(json_values), delete=data.draw(st.booleans()))
    _assert_accounted(channel, [record])


@pytest.mark.parametrize("channel", sorted(MAPPINGS))
@PROFILE
@given(raw=json_values)
def test_arbitrary_json_is_quarantined_with_a_reason_never_crashes(channel: str,
                                                                    raw: Any) -> None:
    _assert_accounted(channel, [raw])


_ARGS: dict[str, st.SearchStrategy[Any]] = {
    "truncate": st.integers(min_value=2, max_value=300),
    "strip_prefix": st.text(max_size=5),
    "date_format": st.sampled_from(["%d/%m/%Y", "%d/%m/%Y %H:%M", "%Y-%m-%d %H:%M:%S"]),
    "latlng": st.sampled_from([0, 1]),
    "lookup": st.dictionaries(st.one_of(st.text(max_size=3), st.integers()), json_values,
                              max_size=4),
    "file_url": st.sampled_from(["https://example.go.id/upload", "https://x.id/"]),
}
transform_inputs = st.one_of(
    json_values, st.datetimes(timezones=st.just(UTC)), st.dates(),
    st.floats(min_value=-1e20, max_value=1e20), st.integers(min_value=-(10**20),
                                                            max_value=10**20))


@pytest.mark.parametrize("name", sorted(REGISTRY))
@PROFILE
@given(value=transform_inputs, data=st.data())
def test_transforms_return_a_value_or_raise_transform_error_only(name: str, value: Any,
                                                                 data: st.DataObject) -> None:
    spec: str | dict[str, Any] = {name: data.draw(_ARGS[name])} if name in NEEDS_ARG else name
    try:
        result = apply_transforms(value, [spec])
    except TransformError as exc:
        assert str(value) not in str(exc) or len(str(value)) < 3  # the message names no value
        return
    assert result is None or isinstance(result, str | int | float | bool | datetime | date
                                        | list | dict)


whitespace_edges = st.text(alphabet=st.sampled_from(
    [" ", "\t", "\n", "\x1c", "\x1f", "\x85", "\xa0", "\u2028", "\u3000", "a", "0", "-"]),
    max_size=6)


@pytest.mark.parametrize("channel", sorted(MAPPINGS))
@PROFILE
@given(data=st.data())
def test_the_fast_validator_never_accepts_what_jsonschema_rejects(channel: str,
                                                                  data: st.DataObject) -> None:
    """The compiled validator only answers "valid"; jsonschema names violations and decides.

    If the fast one ever accepted a record jsonschema rejects, a bad record would slip past
    quarantine: mutate real-shaped records (also with odd whitespace, which the two regex
    engines classify differently) and compare the two verdicts.
    """
    validator = _validator(channel)
    samples = _samples(channel) or [{}]
    record = copy.deepcopy(data.draw(st.sampled_from(samples)))
    paths = _keys(MAPPINGS[channel], record)
    for _ in range(data.draw(st.integers(min_value=0, max_value=3))):
        value = data.draw(st.one_of(json_values, whitespace_edges,
                                    whitespace_edges.map(lambda s: "3671012345678901" + s)))
        _set(record, data.draw(st.sampled_from(paths)), value, delete=data.draw(st.booleans()))
    slow_errors = list(validator._validator.iter_errors(record))
    if validator._fast.is_valid(record):
        assert not slow_errors, [e.validator for e in slow_errors]
    assert (validator.violations(record) == []) == (not slow_errors)
