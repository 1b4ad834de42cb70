"""Simpeg/SIASN (BKN) client: OAuth2 client-credentials token, staff by NIP and by unit (unor).

The token is fetched on first use, cached until shortly before ``expires_in`` runs out, and
fetched again when it expires or when the API answers 401 (a token revoked early): one retry with
a fresh token, then :class:`~connectors.errors.AuthError`. Answers come wrapped as SIASN wraps
them (``{"code": 1, "data": ...}``). Shapes: ``docs/wire-contract.md``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

import aiohttp
import httpx
from pydantic import BaseModel, ConfigDict, Field, SecretStr

from connectors.errormap import Call, status_error, transport_error
from connectors.errors import AuthError, MalformedResponse
from connectors.http import BadShape, BaseClient, json_body, validate

M = TypeVar("M", bound=BaseModel)
_API = "/apisiasn/1.0"
TOKEN_PATH = "/oauth2/token"  # noqa: S105 - a path, not a secret
# Renew this long before the announced expiry, so a token never dies in flight.
_EXPIRY_MARGIN_S = 5.0


class _Model(BaseModel):
    model_config = ConfigDict(hide_input_in_errors=True, frozen=True, populate_by_name=True)


class Pegawai(_Model):
    """``pns/data-utama``: a civil servant and the unit (unor) they sit in now."""

    nip: str = Field(alias="nipBaru", repr=False)
    nama: str = Field(repr=False)
    unor_id: str | None = Field(default=None, alias="unorId")
    unor_nama: str | None = Field(default=None, alias="unorNama")
    unor_induk_id: str | None = Field(default=None, alias="unorIndukId")
    jabatan: str | None = Field(default=None, alias="jabatanNama")
    tmt_jabatan: str | None = Field(default=None, alias="tmtJabatan")


class RiwayatJabatan(_Model):
    unor_id: str | None = Field(default=None, alias="unorId")
    unor_nama: str | None = Field(default=None, alias="unorNama")
    jabatan: str | None = Field(default=None, alias="jabatanNama")
    tmt_jabatan: str | None = Field(default=None, alias="tmtJabatan")


class AnggotaUnor(_Model):
    """One member of a unit, from ``unor/{unorId}/pegawai``."""

    nip: str = Field(alias="nipBaru", repr=False)
    nama: str = Field(repr=False)
    jabatan: str | None = Field(default=None, alias="jabatanNama")


class _One(_Model):
    data: Pegawai


class _Riwayat(_Model):
    data: list[RiwayatJabatan]


class _Anggota(_Model):
    data: list[AnggotaUnor]


class SiasnClient(BaseClient):
    """Typed client of SIASN. Use as ``async with SiasnClient(...) as siasn:``."""

    system = "siasn"

    def __init__(self, base_url: str, *, client_id: str, client_secret: SecretStr,
                 clock: Callable[[], float] = time.monotonic, **kwargs: Any) -> None:
        kwargs.pop("token", None)  # the bearer token comes from the token endpoint, not settings
        super().__init__(base_url, **kwargs)
        self._client_id, self._secret, self._clock = client_id, client_secret, clock
        self._expires_at = 0.0
        self.tokens_fetched = 0

    async def pegawai(self, nip: str) -> Pegawai:
        return (await self._get("/pns/data-utama/{nip}", {"nip": nip}, _One)).data

    async def riwayat_jabatan(self, nip: str) -> list[RiwayatJabatan]:
        return (await self._get("/pns/rw-jabatan/{nip}", {"nip": nip}, _Riwayat)).data

    async def anggota_unor(self, unor_id: str) -> list[AnggotaUnor]:
        return (await self._get("/unor/{unor}/pegawai", {"unor": unor_id}, _Anggota)).data

    async def _get(self, path: str, params: dict[str, str], model: type[M]) -> M:
        if self._clock() >= self._expires_at:
            await self._fetch_token()
        try:
            return await self._call(path, params, model)
        except AuthError:
            await self._fetch_token()  # revoked or expired early: one try with a fresh token
            return await self._call(path, params, model)

    async def _call(self, path: str, params: dict[str, str], model: type[M]) -> M:
        def parse(response: httpx.Response, call: Call) -> M:
            return validate(model, json_body(response))

        return await self.call("GET", _API + path, path_params=params, idempotent=True,
                               parse=parse)

    async def _fetch_token(self) -> None:
        call = Call(self.system, "POST", TOKEN_PATH)
        form = {"grant_type": "client_credentials", "client_id": self._client_id,
                "client_secret": self._secret.get_secret_value()}
        try:
            response = await self._client.post(TOKEN_PATH, data=form)
        except (httpx.RequestError, aiohttp.ClientError) as exc:
            raise transport_error(call, exc, True) from exc
        if not response.is_success:
            raise status_error(call, response, True)
        try:
            body = json_body(response)
            token, ttl = str(body["access_token"]), float(body.get("expires_in", 300))
        except (BadShape, KeyError, TypeError, ValueError):
            raise MalformedResponse("token answer unreadable", status=response.status_code,
                                    **call.labels()) from None
        self._client.headers["Authorization"] = f"Bearer {token}"
        self._expires_at = self._clock() + max(0.0, ttl - _EXPIRY_MARGIN_S)
        self.tokens_fetched += 1
