"""SIAK/Dukcapil gateway client: verify a resident by elements, and read the area of residence.

The gateway answers business outcomes with HTTP 200 and a ``RESPONSE_CODE``. Codes 03 (login
failed), 05 (daily quota used up) and 06 (outside access hours) are raised as ``AuthError``,
``QuotaExceeded`` and ``OutsideAccessHours``; 01 and the outcomes about the person (11 deceased,
12 several records, 13 not found, 14 inactive, 15 bad format) are returned for the hub to decide.

The NIK and names travel only in request bodies: never in a URL, an error or a log event. Both
calls are queries sent as POST, so they are retried like reads (each retry may cost quota).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import httpx
import structlog
from pydantic import BaseModel, ConfigDict, SecretStr

from connectors.errors import AuthError, OutsideAccessHours, QuotaExceeded
from connectors.http import BadShape, BaseClient, Call, Sleep, TransportChoice, json_body

_log = structlog.get_logger(__name__)
_SCORE = re.compile(r"\((\d{1,3})\)")
# Only verdicts are kept: should the gateway ever echo a value (a name), it is dropped here.
_VERDICT = re.compile(r"\s*(tidak\s+)?sesuai\b", re.IGNORECASE)
_KNOWN_CODES = frozenset({"01", "11", "12", "13", "14", "15"})
_VERIFY_PATH = "/dukcapil/get_json/{instansi}/CALL_VERIFY_BY_ELEMEN"
_NIK_PATH = "/dukcapil/get_json/{instansi}/CALL_NIK"


class _Model(BaseModel):
    model_config = ConfigDict(hide_input_in_errors=True, frozen=True)


class VerifyResult(_Model):
    """``elements`` holds the gateway's verdict per element asked (``"Sesuai (96)"``), keyed by
    the gateway's names (``NIK``, ``NAMA_LGKP``, ``TMPT_LHR``, ``TGL_LHR``, ``JENIS_KLMIN``)."""

    response_code: str
    elements: dict[str, str]
    matched: dict[str, bool]
    score: dict[str, int | None]
    quota_left: int | None


class ResidentInfo(_Model):
    """Where a resident lives; the name the gateway also returns is deliberately not kept."""

    response_code: str
    kelurahan: str | None = None
    kecamatan: str | None = None
    kabupaten: str | None = None
    provinsi: str | None = None


class DukcapilClient(BaseClient):
    """Typed client of the Dukcapil gateway. Use as ``async with DukcapilClient(...) as d:``."""

    system = "dukcapil"

    def __init__(
        self,
        base_url: str,
        user_id: str,
        password: SecretStr,
        instansi: str,
        ip_user: str,
        threshold: int = 90,
        *,
        token: SecretStr | None = None,
        timeout_s: float = 10.0,
        max_attempts: int = 5,
        backoff_base_s: float = 0.2,
        backoff_max_s: float = 10.0,
        concurrency: int = 32,
        transport: TransportChoice | httpx.AsyncBaseTransport | None = "aiohttp",
        sleep: Sleep | None = None,
        max_retry_after_s: float | None = None,
    ) -> None:
        # ``token`` is accepted so that settings can be passed through as they are; the gateway
        # authenticates by USER_ID/PASSWORD in the body.
        super().__init__(
            base_url,
            None,
            timeout_s,
            max_attempts,
            backoff_base_s,
            backoff_max_s,
            concurrency,
            transport,
            sleep=sleep,
            max_retry_after_s=max_retry_after_s,
        )
        self._user_id = user_id
        self._password = password
        self._instansi = instansi
        self._ip_user = ip_user
        self._threshold = threshold

    async def verify_by_elements(
        self,
        nik: str,
        *,
        nama: str | None = None,
        tempat_lahir: str | None = None,
        tanggal_lahir: date | None = None,
        jenis_kelamin: str | None = None,
    ) -> VerifyResult:
        body = {**self._credentials(), "TRESHOLD": self._threshold, "NIK": nik}
        optional = {
            "NAMA_LGKP": nama,
            "TMPT_LHR": tempat_lahir,
            "TGL_LHR": tanggal_lahir.strftime("%d-%m-%Y") if tanggal_lahir else None,
            "JENIS_KLMIN": jenis_kelamin,
        }
        body.update({key: value for key, value in optional.items() if value is not None})
        return await self.call(
            "POST",
            _VERIFY_PATH,
            path_params={"instansi": self._instansi},
            json=body,
            idempotent=True,
            parse=_parse_verify,
        )

    async def get_by_nik(self, nik: str) -> ResidentInfo:
        return await self.call(
            "POST",
            _NIK_PATH,
            path_params={"instansi": self._instansi},
            json={**self._credentials(), "NIK": nik},
            idempotent=True,
            parse=_parse_resident,
        )

    def _credentials(self) -> dict[str, str | int]:
        return {
            "USER_ID": self._user_id,
            "PASSWORD": self._password.get_secret_value(),
            "IP_USER": self._ip_user,
        }


def _content(response: httpx.Response, call: Call) -> tuple[str, dict[str, Any], int | None]:
    """The first content item and its code, after raising the codes that are not results."""
    body = json_body(response)
    if not isinstance(body, dict):
        raise BadShape(fields=["(root)"])
    content = body.get("content")
    if not isinstance(content, list) or not content or not isinstance(content[0], dict):
        raise BadShape(fields=["content"])
    item: dict[str, Any] = content[0]
    code = item.get("RESPONSE_CODE")
    if not isinstance(code, str):
        raise BadShape(fields=["content.0.RESPONSE_CODE"])
    quota = body.get("quotaLimiter")
    quota_left = quota if isinstance(quota, int) and not isinstance(quota, bool) else None
    if code == "03":
        raise AuthError("login failed (code 03)", **call.labels())
    if code == "05":
        raise QuotaExceeded("daily quota used up (code 05)", **call.labels())
    if code == "06":
        raise OutsideAccessHours("outside access hours (code 06)", **call.labels())
    if code not in _KNOWN_CODES:
        _log.warning("dukcapil.unknown_code", path=call.path, response_code=code[:8])
    return code, item, quota_left


def _parse_verify(response: httpx.Response, call: Call) -> VerifyResult:
    code, item, quota_left = _content(response, call)
    elements = {
        key: value
        for key, value in item.items()
        if key not in ("RESPONSE_CODE", "RESPONSE")
        and isinstance(value, str)
        and _VERDICT.match(value)
    }
    matched = {key: value.strip().lower().startswith("sesuai") for key, value in elements.items()}
    score: dict[str, int | None] = {}
    for key, value in elements.items():
        found = _SCORE.search(value)
        score[key] = int(found.group(1)) if found else None
    return VerifyResult(
        response_code=code, elements=elements, matched=matched, score=score, quota_left=quota_left
    )


def _parse_resident(response: httpx.Response, call: Call) -> ResidentInfo:
    code, item, _ = _content(response, call)

    def text(key: str) -> str | None:
        value = item.get(key)
        return value if isinstance(value, str) else None

    return ResidentInfo(
        response_code=code,
        kelurahan=text("KEL_NAME"),
        kecamatan=text("KEC_NAME"),
        kabupaten=text("KAB_NAME"),
        provinsi=text("PROP_NAME"),
    )
