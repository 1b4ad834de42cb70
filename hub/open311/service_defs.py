"""What GeoReport v2 clients read before they file: discovery, the service list, definitions."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hub.core.settings import Settings
from hub.open311.catalog import Jurisdiction, Service
from hub.open311.wire import w3c

SPEC = "http://wiki.open311.org/GeoReport_v2"
SERVICE_TYPE = "batch"  # POST answers a token; the request id follows once the sync stored it

_YES_NO = [{"key": "true", "name": "ya"}, {"key": "false", "name": "tidak"}]
ATTRIBUTES: list[dict[str, Any]] = [
    {"variable": True, "code": "judul", "datatype": "string", "required": False,
     "datatype_description": "up to 200 characters",
     "order": 1, "description": "Title of the report (default: the description's first line)"},
    {"variable": True, "code": "nik", "datatype": "string", "required": False,
     "datatype_description": "16 digits",
     "order": 2, "description": "Reporter's NIK, verified with Dukcapil; never shown again"},
    {"variable": True, "code": "anonim", "datatype": "singlevaluelist", "required": False,
     "datatype_description": "true or false (default false)", "order": 3,
     "description": "Anonymous: no identity reaches SP4N-LAPOR!", "values": _YES_NO},
    {"variable": True, "code": "rahasia", "datatype": "singlevaluelist", "required": False,
     "datatype_description": "true or false (default false)", "order": 4,
     "description": "Confidential: only the responsible agency sees the content",
     "values": _YES_NO},
]


def changeset(mappings_dir: Path) -> str:
    """When the services last changed: the newest mapping file."""
    times = [f.stat().st_mtime for f in mappings_dir.glob("*.yaml")] or [0.0]
    return w3c(datetime.fromtimestamp(max(times), UTC).replace(microsecond=0)) or ""


def discovery(settings: Settings) -> dict[str, Any]:
    when = changeset(settings.mappings_dir)
    cfg = settings.open311
    return {
        "changeset": when,
        "contact": cfg.contact,
        "key_service": cfg.key_service,
        "endpoints": [{"specification": SPEC, "url": cfg.public_url, "changeset": when,
                       "type": "production", "formats": ["text/xml", "application/json"]}],
    }


def service_item(service: Service) -> dict[str, Any]:
    return {
        "service_code": service.code,
        "service_name": service.name,
        "description": f"{service.kategori}: reported to SP4N-LAPOR! for "
                       f"{service.instansi or 'the agency its admins assign'}",
        "metadata": True,
        "type": SERVICE_TYPE,
        "keywords": ", ".join(service.keywords),
        "group": service.kategori,
    }


def services(juris: Jurisdiction) -> list[dict[str, Any]]:
    return [service_item(s) for s in juris.services.values()]


def definition(service: Service) -> dict[str, Any]:
    return {"service_code": service.code, "attributes": [dict(a) for a in ATTRIBUTES]}
