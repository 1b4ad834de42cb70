"""Bearer-token check of the simulators that use one (LAPOR!, Sikesal)."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable

from fastapi import HTTPException, Request


def bearer_auth(token: str) -> Callable[[Request], Awaitable[None]]:
    """FastAPI dependency: ``401 {"detail": "invalid token"}`` unless the token matches."""
    expected = f"Bearer {token}".encode()

    async def check(request: Request) -> None:
        given = request.headers.get("authorization", "").encode()
        if not secrets.compare_digest(given, expected):
            raise HTTPException(
                status_code=401, detail="invalid token", headers={"WWW-Authenticate": "Bearer"}
            )

    return check
