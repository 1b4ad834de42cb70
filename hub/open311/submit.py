"""``POST requests``: a GeoReport v2 form becomes the ``open311`` channel's raw record, stored once.

The record is validated against ``schemas/open311.raw.json`` before it is stored; a request that
fails is answered 400 and kept in quarantine (never its personal fields in the reason). The
token is the idempotency key: the calling app's key id with the client's ``Idempotency-Key``
header, or else with the whole form, hashed. A second identical POST finds its event already
stored and gets the same token back, so it never becomes a second report in LAPOR!.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import Engine
from sqlmodel import Session, select

from hub.ledger import inbound
from hub.ledger.tables import InboundEventRow, TicketRow
from hub.mapping.validation import RawValidator
from hub.open311.catalog import CHANNEL, Jurisdiction
from hub.open311.wire import Open311Error

# GeoReport v2 POST parameters the hub takes as text (lat/long are parsed, attributes below).
TEXT_FIELDS = ("address_string", "address_id", "email", "device_id", "account_id",
               "first_name", "last_name", "phone", "description", "media_url")
# Attributes of every service (``services/{code}``) the hub understands.
FLAGS = ("anonim", "rahasia")
TRUE = {"true", "1", "yes", "ya"}


@dataclass(frozen=True)
class Submitted:
    token: str
    outcome: Literal["accepted", "duplicate"]


def _number(form: Mapping[str, str], name: str) -> float | None:
    text = (form.get(name) or "").strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise Open311Error(400, f"{name} is not a number") from None
    if not math.isfinite(value):
        raise Open311Error(400, f"{name} is not a number")
    return value


def _attributes(form: Mapping[str, str]) -> dict[str, str]:
    return {k[len("attribute["):-1]: v for k, v in form.items()
            if k.startswith("attribute[") and k.endswith("]") and len(k) > 11}


def token_for(key_id: str, form: Mapping[str, str], idempotency_key: str | None) -> str:
    if idempotency_key:
        basis = f"key|{key_id}|{idempotency_key.strip()}"
    else:
        fields = sorted((k, v) for k, v in form.items() if k != "api_key")
        basis = f"form|{key_id}|{json.dumps(fields, ensure_ascii=False)}"
    return "o311-" + hashlib.sha256(basis.encode()).hexdigest()[:32]


def build_record(form: Mapping[str, str], juris: Jurisdiction, token: str, key_id: str,
                 now: datetime) -> dict[str, Any]:
    values = {name: (form.get(name) or "").strip() or None for name in TEXT_FIELDS}
    attrs = _attributes(form)
    description = values.pop("description") or ""
    first_line = description.strip().splitlines()[0] if description.strip() else ""
    judul = (attrs.get("judul") or "").strip() or first_line[:100]
    names = [n for n in (values["first_name"], values["last_name"]) if n]
    media = values["media_url"]
    record: dict[str, Any] = {
        "token": token, "versi": 1, "status": "open",
        "requested_datetime": now.astimezone(UTC).isoformat(timespec="seconds"),
        "jurisdiction_id": juris.id,
        "service_code": (form.get("service_code") or "").strip(),
        "description": description, "judul": judul,
        "lat": _number(form, "lat"), "long": _number(form, "long"),
        **values,
        "nama": " ".join(names) or None,
        "nik": (attrs.get("nik") or "").strip() or None,
        "media_urls": [media] if media else [],
        "attributes": {k: v for k, v in attrs.items() if k not in ("nik",)},
        "client": key_id,
    }
    for flag in FLAGS:
        record[flag] = (attrs.get(flag) or "").strip().lower() in TRUE
    return record


def store_event(engine: Engine, token: str, record: dict[str, Any]
                ) -> Literal["accepted", "duplicate"]:
    """Stored before the answer, once per token (the same rule as the 112 intake's events)."""
    return inbound.store_event(engine, CHANNEL, token, record)


def quarantine_event(engine: Engine, reason: str, detail: str, record: dict[str, Any]) -> None:
    inbound.quarantine_event(engine, CHANNEL, reason, detail, record, source_id=record.get("token"))


def lookup_token(engine: Engine, juris: Jurisdiction, token: str) -> tuple[bool, int | None]:
    """(stored for this jurisdiction, ledger ticket id once the sync has mapped it)."""
    with Session(engine) as session:
        event = session.exec(select(InboundEventRow.payload).where(
            InboundEventRow.channel == CHANNEL, InboundEventRow.event_id == token)).first()
        ticket = session.exec(select(TicketRow.id).where(
            TicketRow.channel == CHANNEL, TicketRow.source_id == token)).first()
    if event is None or json.loads(event).get("jurisdiction_id") != juris.id:
        return False, None
    return True, ticket


def _problem(validator: RawValidator, record: dict[str, Any]) -> str | None:
    """The first violation, by field and rule only: never a value (they carry NIKs, names)."""
    found = validator.violations(record)
    if not found:
        return None
    first = found[0]
    if first.path == "$" and first.schema_path.startswith("anyOf"):
        return "a location is required: lat and long, address_string or address_id"
    return str(first)


def submit(engine: Engine, validator: RawValidator, juris: Jurisdiction,
           form: Mapping[str, str], key_id: str, idempotency_key: str | None,
           now: datetime | None = None) -> Submitted:
    code = (form.get("service_code") or "").strip()
    if not code:
        raise Open311Error(400, "service_code is required")
    if code not in juris.services:
        raise Open311Error(400, f"service_code {code!r} is not a service of {juris.id}")
    token = token_for(key_id, form, idempotency_key)
    record = build_record(form, juris, token, key_id, now or datetime.now(UTC))
    problem = _problem(validator, record)
    if problem is not None:
        quarantine_event(engine, "schema_violation", problem, record)
        raise Open311Error(400, f"invalid request: {problem}; kept for review")
    return Submitted(token, store_event(engine, token, record))
