"""API keys with a role. The secret is shown once at creation and stored only as a hash.

Keys are 32 random bytes, so a single SHA-256 is enough: a slow password hash protects guessable
secrets, and these are not guessable. Lookup is by the public key id, then a constant-time compare.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from hub.ledger.oversight_tables import ApiKeyRow
from hub.ledger.tables import utcnow

PREFIX = "lh"
_KEY = re.compile(r"^lh_([0-9a-f]{12})_([A-Za-z0-9_-]{20,64})$")
_INSTANSI = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,78}$")


class RoleKind(StrEnum):
    oversight = "oversight"  # KemenPAN-RB: every channel and agency, identity masked
    agency = "agency"  # one instansi: its own tickets, reporter contact unless anonymous
    integrator = "integrator"  # operations: runs and quarantine, never reporter identity


@dataclass(frozen=True)
class Role:
    kind: RoleKind
    instansi: str | None = None

    def __str__(self) -> str:
        return f"agency:{self.instansi}" if self.kind is RoleKind.agency else self.kind.value

    @classmethod
    def parse(cls, text: str) -> Role:
        kind, _, instansi = text.strip().partition(":")
        if kind == RoleKind.agency:
            if not _INSTANSI.match(instansi):
                raise ValueError("agency role needs an instansi code, e.g. agency:DLH-KOTA-JAMBI")
            return cls(RoleKind.agency, instansi)
        if kind in (RoleKind.oversight, RoleKind.integrator) and not instansi:
            return cls(RoleKind(kind))
        raise ValueError("role must be oversight, integrator or agency:<instansi>")


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_key(engine: Engine, role: Role, label: str | None = None) -> str:
    """Store a new key for ``role``; return the full key, which is never shown again."""
    key_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    with Session(engine) as session:
        session.add(ApiKeyRow(key_id=key_id, secret_hash=_hash(secret), role=str(role),
                              label=label))
        session.commit()
    return f"{PREFIX}_{key_id}_{secret}"


def resolve_key(engine: Engine, key: str) -> Role | None:
    """The role of a valid, unrevoked key; ``None`` for anything else (no reason: no oracle)."""
    match = _KEY.match(key.strip())
    if not match:
        return None
    key_id, secret = match.groups()
    with Session(engine) as session:
        row = session.exec(select(ApiKeyRow).where(
            ApiKeyRow.key_id == key_id, col(ApiKeyRow.revoked_at).is_(None))).first()
    if row is None or not hmac.compare_digest(row.secret_hash, _hash(secret)):
        return None
    return Role.parse(row.role)


def revoke_key(engine: Engine, key_id: str) -> bool:
    with Session(engine) as session:
        row = session.exec(select(ApiKeyRow).where(ApiKeyRow.key_id == key_id)).first()
        if row is None or row.revoked_at is not None:
            return False
        row.revoked_at = utcnow()
        session.add(row)
        session.commit()
        return True
