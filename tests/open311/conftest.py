"""A hub on the sandbox with its intake app (and so /open311/v2), and API keys of each role."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from hub.intake.app import create_app
from hub.sync.pipeline import Hub
from hub.view.apikeys import Role, create_key
from tests.hub.factories import NAME, NIK, PHONE
from tests.sandbox import Sandbox

JURIS = "kota-jambi"
WASTE = "dlh-kota-jambi--lingkungan-hidup-dan-kehutanan"
ROADS = "dpupr-kota-jambi--infrastruktur"
EMAIL = "siti.rahmawati@example.com"
FIRST, LAST = NAME.split(" ")


@dataclass
class Keys:
    app: str  # the key a civic app posts with (integrator)
    oversight: str
    waste: str  # agency:DLH-KOTA-JAMBI
    roads: str  # agency:DPUPR-KOTA-JAMBI


@pytest.fixture
def hub(sandbox: Sandbox, db_url: str) -> Hub:
    return sandbox.hub(db_url)


@pytest.fixture
def keys(hub: Hub) -> Keys:
    return Keys(*(create_key(hub.engine, Role.parse(r)) for r in
                  ("integrator", "oversight", "agency:DLH-KOTA-JAMBI", "agency:DPUPR-KOTA-JAMBI")))


@pytest.fixture
async def client(hub: Hub) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(hub))
    async with httpx.AsyncClient(transport=transport, base_url="http://hub/open311/v2") as c:
        yield c


def form(key: str, n: int = 1, code: str = WASTE, **extra: Any) -> dict[str, str]:
    """A GeoReport v2 POST as a citizen app sends it, with a named reporter and a NIK."""
    body = {"api_key": key, "jurisdiction_id": JURIS, "service_code": code,
            "lat": "-1.6101", "long": "103.6131", "address_string": f"Pasar Angso Duo blok {n}",
            "description": f"Sampah menumpuk sejak tiga hari ({n})", "first_name": FIRST,
            "last_name": LAST, "email": EMAIL, "phone": PHONE, "attribute[nik]": NIK}
    body.update({k: str(v) for k, v in extra.items()})
    return body
