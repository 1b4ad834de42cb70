"""SIASN's two tokens (external-systems.md §2.2), served on a host of their own.

- APIM (WSO2): ``POST /oauth2/token``, form ``grant_type=client_credentials``, the consumer key
  and secret in HTTP Basic → ``{"access_token", "token_type", "expires_in"}``.
- SSO (Keycloak realm ``public-siasn``): ``POST /auth/realms/public-siasn/protocol/openid-connect/
  token``, form ``grant_type=password``, ``client_id``, ``username`` (an operator's NIP),
  ``password``. A pre-issued SSO token (configured by hand at BKN's side) is also accepted.

Every ``apisiasn/1.0`` call needs both: ``Authorization: Bearer <apim>`` and ``Auth: bearer <sso>``.
"""

from __future__ import annotations

import base64
import binascii
import secrets
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Literal
from urllib.parse import parse_qs

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from simulators.faults import FaultInjector

DEFAULT_CLIENT_ID = "lapor-hub"  # the APIM consumer key
DEFAULT_SECRET = "sandbox-siasn-secret"  # noqa: S105 - sandbox credential, documented in the contract
SSO_CLIENT_ID = "lapor-hub-sso"
SSO_USERNAME = "199001012015011001"  # the operator's NIP
SSO_PASSWORD = "sandbox-siasn-sso-pass"  # noqa: S105 - sandbox credential
PREISSUED_SSO_TOKEN = "sandbox-siasn-preissued-sso"  # noqa: S105 - sandbox credential
APIM_PATH = "/oauth2/token"
SSO_PATH = "/auth/realms/public-siasn/protocol/openid-connect/token"


class AuthConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    apim_ttl_s: float = Field(default=3600.0, gt=0)
    sso_ttl_s: float = Field(default=43200.0, gt=0)
    preissued_valid: bool = True


class Tokens:
    """Issued tokens and their expiry (monotonic), per kind."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.config = AuthConfig()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._live: dict[str, dict[str, float]] = {"apim": {}, "sso": {}}
            self.issued = {"apim": 0, "sso": 0}

    def issue(self, kind: Literal["apim", "sso"]) -> tuple[str, float]:
        ttl = self.config.apim_ttl_s if kind == "apim" else self.config.sso_ttl_s
        with self._lock:
            token = secrets.token_urlsafe(24)
            self._live[kind][token] = time.monotonic() + ttl
            self.issued[kind] += 1
        return token, ttl

    def expire(self, which: Literal["apim", "sso", "both"] = "both") -> None:
        with self._lock:
            for kind in ("apim", "sso"):
                if which in (kind, "both"):
                    self._live[kind].clear()

    def valid(self, kind: Literal["apim", "sso"], token: str) -> bool:
        if kind == "sso" and self.config.preissued_valid and \
                secrets.compare_digest(token, PREISSUED_SSO_TOKEN):
            return True
        with self._lock:
            return self._live[kind].get(token, 0.0) > time.monotonic()


def _form(raw: bytes) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(raw.decode()).items()}


def _basic(header: str) -> tuple[str, str] | None:
    if not header.startswith("Basic "):
        return None
    try:
        key, _, secret = base64.b64decode(header[6:]).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return key, secret


def _same(a: str, b: str) -> bool:
    return secrets.compare_digest(a.encode(), b.encode())


def auth_app(tokens: Tokens, faults: FaultInjector, client_id: str = DEFAULT_CLIENT_ID,
             client_secret: str = DEFAULT_SECRET) -> FastAPI:
    app = FastAPI(title="SIASN token host sandbox (WSO2 APIM + Keycloak)")

    @app.post(APIM_PATH, dependencies=[Depends(faults.request_faults)])
    async def apim(request: Request) -> JSONResponse:
        form = _form(await request.body())
        given = _basic(request.headers.get("authorization", ""))
        ok = given is not None and _same(given[0], client_id) and _same(given[1], client_secret)
        if form.get("grant_type") != "client_credentials" or not ok:
            return JSONResponse({"error": "invalid_client",
                                 "error_description": "Client Authentication failed."},
                                status_code=401)
        value, ttl = tokens.issue("apim")
        return JSONResponse({"access_token": value, "scope": "default", "token_type": "Bearer",
                             "expires_in": int(ttl)})

    @app.post(SSO_PATH, dependencies=[Depends(faults.request_faults)])
    async def sso(request: Request) -> JSONResponse:
        form = _form(await request.body())
        ok = (form.get("grant_type") == "password"
              and _same(form.get("client_id", ""), SSO_CLIENT_ID)
              and _same(form.get("username", ""), SSO_USERNAME)
              and _same(form.get("password", ""), SSO_PASSWORD))
        if not ok:
            return JSONResponse({"error": "invalid_grant",
                                 "error_description": "Invalid user credentials"},
                                status_code=401)
        value, ttl = tokens.issue("sso")
        return JSONResponse({"access_token": value, "expires_in": int(ttl),
                             "refresh_expires_in": int(ttl), "token_type": "Bearer",
                             "not-before-policy": 0, "scope": "profile email"})

    app.state.tokens = tokens
    return app


def both_tokens(tokens: Tokens) -> Callable[[Request], Awaitable[None]]:
    """A FastAPI dependency: 401 unless both the APIM and the SSO token are live."""

    async def check(request: Request) -> None:
        apim = request.headers.get("authorization", "")
        sso = request.headers.get("auth", "")
        apim_ok = apim.startswith("Bearer ") and tokens.valid("apim", apim[7:])
        sso_ok = sso.lower().startswith("bearer ") and tokens.valid("sso", sso[7:])
        if not apim_ok:
            raise HTTPException(status_code=401, detail="Invalid Credentials",
                                headers={"WWW-Authenticate": "Bearer"})
        if not sso_ok:
            raise HTTPException(status_code=401, detail="Auth token tidak valid")

    return check
