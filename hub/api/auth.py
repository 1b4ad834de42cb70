"""Who is calling: the role of the API key in ``X-API-Key`` or ``Authorization: Bearer``."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from hub.view.apikeys import Role, resolve_key

_key_header = APIKeyHeader(name="X-API-Key", auto_error=False,
                           description="an API key from `lapor-hub apikey create`")
_bearer = HTTPBearer(auto_error=False, description="the same key as a bearer token")


def role_of(request: Request,
            key: Annotated[str | None, Security(_key_header)] = None,
            bearer: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)] = None,
            ) -> Role:
    """The caller's role from its key; any failure is the same 401, so keys cannot be probed."""
    given = key or (bearer.credentials if bearer else None)
    role = resolve_key(request.app.state.hub.engine, given) if given else None
    if role is None:
        raise HTTPException(401, "missing or invalid API key",
                            headers={"WWW-Authenticate": "Bearer"})
    return role


RoleDep = Annotated[Role, Depends(role_of)]
