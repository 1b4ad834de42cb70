from __future__ import annotations

import random
from typing import Any

import pytest

from simulators.faults import FaultInjector, malform, retry_after_header
from simulators.sikesal import DEFAULT_TOKEN, create_app

ClientFactory = Any  # the client_for fixture of conftest.py


@pytest.mark.anyio
async def test_same_fault_seed_gives_the_same_fault_sequence(client_for: ClientFactory) -> None:
    runs = []
    for _ in range(2):
        async with client_for(create_app(), DEFAULT_TOKEN) as client:
            await client.post("/_sim/faults", json={"error_rate": 0.4, "rate_limit_rate": 0.2,
                                                    "seed": 4})
            runs.append([(await client.get("/api/v1/laporan")).status_code for _ in range(30)])
    assert runs[0] == runs[1]
    assert {200, 429, 503} <= set(runs[0])


def test_malform_breaks_a_copy_and_leaves_the_original() -> None:
    record = {"id": "SKL-1", "versi": 2, "anonim": False, "lokasi": {"lat": -1.6, "lng": 103.6}}
    original = {**record, "lokasi": dict(record["lokasi"])}
    rng = random.Random(0)
    broken = [malform(record, rng) for _ in range(50)]
    assert record == original
    assert all(b != original for b in broken)


def test_fault_update_merges_and_validates() -> None:
    faults = FaultInjector()
    faults.update({"latency_ms": 5})
    merged = faults.update({"reorder": True})
    assert merged.latency_ms == 5 and merged.reorder
    with pytest.raises(ValueError):
        faults.update({"error_rate": 2})
    faults.reset()
    assert faults.config.latency_ms == 0


def test_retry_after_is_whole_seconds_when_it_can_be() -> None:
    assert retry_after_header(2.0) == "2"
    assert retry_after_header(0.25) == "0.25"
