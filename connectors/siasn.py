"""Simpeg/SIASN (BKN) client: two tokens on every call, staff by NIP, the unit tree.

Every ``apisiasn/1.0`` call carries ``Authorization: Bearer <APIM token>`` **and**
``Auth: bearer <SSO token>`` (external-systems.md §2.2):
- the APIM token (WSO2) comes from a token host other than the API host: ``client_credentials``
  with the consumer key and secret in HTTP Basic;
- the SSO token (Keycloak realm ``public-siasn``) from a ``password`` grant for an operator's
  NIP, or is a pre-issued token set by hand.
Both are cached until shortly before ``expires_in``; on a 401 both are dropped and fetched again
(as real clients do), once; a second 401 is :class:`~connectors.errors.AuthError`. There is no
unit-member endpoint: officers are looked up by NIP. Shapes: ``connectors/siasn_models.py``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

import aiohttp
import httpx
from pydantic import BaseModel, ConfigDict, SecretStr

from connectors.bodies import BadShape, json_body, validate
from connectors.errormap import Call, status_error, transport_error
from connectors.errors import AuthError, MalformedResponse
from connectors.http import BaseClient
from connectors.siasn_models import DataUtama, RiwayatJabatan, Unor, newest_first

M = TypeVar("M", bound=BaseModel)
_API = "/apisiasn/1.0"
# Renew this long before the announced expiry, so a token never dies in flight.
_EXPIRY_MARGIN_S = 30.0


class _One(BaseModel):
    model_config = ConfigDict(hide_input_in_errors=True)
    data: DataUtama


class _History(BaseModel):
    model_config = ConfigDict(hide_input_in_errors=True)
    data: list[RiwayatJabatan]


class _Units(BaseModel):
    model_config = ConfigDict(hide_input_in_errors=True)
    data: list[Unor]


class SiasnClient(BaseClient):
    """Typed client of SIASN. Use as ``async with SiasnClient(...) as siasn:``."""

    system = "siasn"

    def __init__(self, base_url: str, *, token_url: str, client_id: str,
                 client_secret: SecretStr, sso_url: str, sso_client_id: str = "",
                 sso_username: str = "", sso_password: SecretStr | None = None,
                 sso_token: SecretStr | None = None,
                 token_transport: httpx.AsyncBaseTransport | None = None,
                 clock: Callable[[], float] = time.monotonic, **kwargs: Any) -> None:
        kwargs.pop("token", None)  # both tokens come from token endpoints, not a setting
        super().__init__(base_url, **kwargs)
        self._token_url, self._sso_url = token_url, sso_url
        self._key, self._secret = client_id, client_secret
        self._sso_client, self._sso_user, self._sso_password = (sso_client_id, sso_username,
                                                                sso_password)
        self._preissued = sso_token
        self._clock = clock
        self._tokens = httpx.AsyncClient(timeout=self._client.timeout, transport=token_transport)
        self._apim: tuple[str, float] | None = None
        self._sso: tuple[str, float] | None = None
        self.tokens_fetched = {"apim": 0, "sso": 0}

    async def aclose(self) -> None:
        await self._tokens.aclose()
        await super().aclose()

    async def data_utama(self, nip: str) -> DataUtama:
        return (await self._get("/pns/data-utama/{nip}", {"nip": nip}, _One)).data

    async def riwayat_jabatan(self, nip: str) -> list[RiwayatJabatan]:
        """The post history, newest first by ``tmtJabatan`` (BKN's own order is arbitrary)."""
        return newest_first((await self._get("/pns/rw-jabatan/{nip}", {"nip": nip},
                                             _History)).data)

    async def ref_unor(self) -> list[Unor]:
        return (await self._get("/referensi/ref-unor", {}, _Units)).data

    async def _get(self, path: str, params: dict[str, str], model: type[M]) -> M:
        await self._ensure_tokens()
        try:
            return await self._call(path, params, model)
        except AuthError:
            # Revoked or expired early: drop both, as real clients do, and try once more.
            self._apim = self._sso = None
            await self._ensure_tokens()
            try:
                return await self._call(path, params, model)
            except AuthError as exc:
                hint = ("the pre-issued SSO token is no longer accepted: renew it"
                        if self._preissued is not None else "fresh tokens were refused")
                raise AuthError(f"401 after fetching both tokens again; {hint}",
                                system=self.system, method="GET", path=_API + path,
                                status=exc.status) from None

    async def _call(self, path: str, params: dict[str, str], model: type[M]) -> M:
        def parse(response: httpx.Response, call: Call) -> M:
            return validate(model, json_body(response))

        return await self.call("GET", _API + path, path_params=params, idempotent=True,
                               parse=parse)

    async def _ensure_tokens(self) -> None:
        now = self._clock()
        if self._apim is None or now >= self._apim[1]:
            form = {"grant_type": "client_credentials"}
            basic = httpx.BasicAuth(self._key, self._secret.get_secret_value())
            self._apim = await self._fetch("apim", self._token_url, form, basic)
        if self._preissued is not None:
            self._sso = (self._preissued.get_secret_value(), float("inf"))
        elif self._sso is None or now >= self._sso[1]:
            if not (self._sso_user and self._sso_password is not None):
                raise AuthError("no SSO token: set sso_token, or sso_username and sso_password "
                                "(an operator account from BKN)", system=self.system,
                                method="POST", path="(sso token)")
            form = {"grant_type": "password", "client_id": self._sso_client,
                    "username": self._sso_user,
                    "password": self._sso_password.get_secret_value()}
            self._sso = await self._fetch("sso", self._sso_url, form, None)
        self._client.headers["Authorization"] = f"Bearer {self._apim[0]}"
        self._client.headers["Auth"] = f"bearer {self._sso[0]}"

    async def _fetch(self, kind: str, url: str, form: dict[str, str],
                     auth: httpx.Auth | None) -> tuple[str, float]:
        call = Call(self.system, "POST", f"({kind} token)")
        try:
            response = await self._tokens.post(url, data=form,
                                               auth=auth or httpx.USE_CLIENT_DEFAULT)
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
        self.tokens_fetched[kind] += 1
        return token, self._clock() + max(0.0, ttl - _EXPIRY_MARGIN_S)
