"""SIAK/Dukcapil gateway client: verify a resident by elements, and read the area of residence.

The wire, as public clients show it (external-systems.md §1, ``docs/wire-contract.md``):
- every business outcome is HTTP 200 in a paging envelope whose ``quotaLimiter`` is the quota
  left;
- a **successful** verification carries **no** ``RESPONSE_CODE``: only verdicts per element
  (``"NIK": "Sesuai"``, ``"NAMA_LGKP": "Sesuai (100)"``, ``"Tidak Sesuai (59)"``);
- refusals and outcomes about the person carry a two-digit code and a text (``RESPONSE`` or
  ``RESPON``); ``CALL_NIK`` errors carry only a ``RESPON`` text, in either case.

Person outcomes (08, 11–15) are returned as results. Setup faults are raised, never returned, so
that no caller can mistake them for a fact about a person: 03 ``AuthError``, 05 ``QuotaExceeded``,
06 ``OutsideAccessHours``, 04/07/09/10/16/17 ``SetupRefused``; each error's ``dukcapil_code``
and its reason name the code and its meaning. A parsed answer is never retried; only transport
faults and unreadable bodies are (each attempt costs quota: ``calls_sent`` counts them).

The NIK and names travel only in request bodies: never in a URL, an error or a log event.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import httpx
import structlog
from pydantic import BaseModel, ConfigDict, SecretStr

from connectors.bodies import BadShape, json_body
from connectors.errors import (
    AuthError,
    ConnectorError,
    OutsideAccessHours,
    QuotaExceeded,
    SetupRefused,
)
from connectors.http import BaseClient, Call, Sleep, TransportChoice

_log = structlog.get_logger(__name__)
_SCORE = re.compile(r"\((\d{1,3})\)\s*$")
# Only verdicts are kept: should the gateway ever echo a value (a name), it is dropped here.
_VERDICT = re.compile(r"^\s*(tidak\s+)?sesuai\b", re.IGNORECASE)
PERSON_CODES = {"08": "NIK cannot be processed", "11": "deceased", "12": "several records",
                "13": "NIK not found", "14": "record inactive", "15": "NIK not in Dukcapil format"}
SETUP_CODES = {"03": "login failed", "04": "IP address not registered",
               "05": "daily quota used up", "06": "outside access hours",
               "07": "parameters incomplete or invalid", "09": "user, password or IP empty",
               "10": "invalid IP address", "16": "institution (instansi) inactive",
               "17": "user ID inactive (ask the Dukcapil administrator)"}
# CALL_NIK answers errors with a text only; compared case- and space-insensitively.
# Texts seen on CALL_NIK, then the code table's texts (§1.5) should a gateway send those alone.
_RESPON_CODES = {"data tidak ditemukan": "13", "login gagal": "03", "ip address tidak sesuai": "04",
                 "ip client tidak terdaftar": "04", "kuota akses hari ini telah habis": "05",
                 "ip tidak sesuai": "04", "akses di luar jam layanan": "06",
                 "parameter tidak lengkap / tidak valid": "07",
                 "user, password dan ip tidak boleh kosong": "09", "ip tidak valid": "10",
                 "data ditemukan, meninggal dunia": "11", "data ditemukan, data ganda": "12",
                 "instansi tidak aktif": "16", "user id tidak aktif": "17"}
DEFAULT_PATH = "/dukcapil/get_json/{instansi}/{method}"
REGIONAL_PATH = "/dukcapil/get_json/{region}/{instansi}/{method}"


class _Model(BaseModel):
    model_config = ConfigDict(hide_input_in_errors=True, frozen=True)


class VerifyResult(_Model):
    """``response_code`` is None when the NIK was found (no code on the wire). ``elements`` holds
    the verdict per element (``"Sesuai (96)"``) under the gateway's names, ``score`` the 0–100
    score of fuzzy elements (also on a mismatch), ``matched`` the gateway's own label."""

    response_code: str | None
    elements: dict[str, str] = {}
    matched: dict[str, bool] = {}
    score: dict[str, int | None] = {}
    quota_left: int | None = None


class ResidentInfo(_Model):
    """Where a resident lives; the name the gateway also returns is deliberately not kept."""

    response_code: str | None
    kelurahan: str | None = None
    kecamatan: str | None = None
    kabupaten: str | None = None
    provinsi: str | None = None


def setup_error(code: str, call: Call) -> ConnectorError:
    reason = (f"code {code}: {SETUP_CODES[code]}" if code in SETUP_CODES else
              "unrecognised RESPON text" if code == "text" else f"code {code}: unknown code")
    cls: type[ConnectorError] = {"03": AuthError, "05": QuotaExceeded,
                                 "06": OutsideAccessHours}.get(code, SetupRefused)
    error = cls(reason, **call.labels())
    error.dukcapil_code = code  # type: ignore[attr-defined]
    return error


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
        path_template: str = DEFAULT_PATH,
        region: str = "",
        verify_method: str = "CALL_VERIFY_BY_ELEMEN",
        nik_method: str = "CALL_NIK",
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
        # authenticates by credentials in the body.
        super().__init__(base_url, None, timeout_s, max_attempts, backoff_base_s, backoff_max_s,
                         concurrency, transport, sleep=sleep, max_retry_after_s=max_retry_after_s)
        if "{instansi}" not in path_template or "{method}" not in path_template:
            raise ValueError("path_template must contain {instansi} and {method}")
        if "{region}" in path_template and not region:
            raise ValueError("path_template has {region}: set region (e.g. '33-74')")
        self._user_id, self._password = user_id, password
        self._ip_user, self._threshold = ip_user, threshold
        self._params = {"instansi": instansi, "region": region}
        self._template = path_template
        self._methods = (verify_method, nik_method)
        self.calls_sent = 0  # every request that left, retries included: the gateway counts them
        self.quota_left: int | None = None
        self._client.event_hooks["request"].append(self._count)

    async def _count(self, request: httpx.Request) -> None:
        self.calls_sent += 1

    def _path(self, method: str) -> str:
        return self._template.replace("{method}", method)

    async def verify_by_elements(
        self,
        nik: str,
        *,
        nama: str | None = None,
        tempat_lahir: str | None = None,
        tanggal_lahir: date | None = None,
        jenis_kelamin: str | None = None,
    ) -> VerifyResult:
        body: dict[str, str] = {"USER_ID": self._user_id,
                                "PASSWORD": self._password.get_secret_value(),
                                "IP_USER": self._ip_user, "TRESHOLD": str(self._threshold),
                                "NIK": nik}
        optional = {
            "NAMA_LGKP": nama,
            "TMPT_LHR": tempat_lahir,
            "TGL_LHR": tanggal_lahir.strftime("%d-%m-%Y") if tanggal_lahir else None,
            "JENIS_KLMIN": jenis_kelamin,
        }
        body.update({key: value for key, value in optional.items() if value is not None})
        return await self.call("POST", self._path(self._methods[0]), path_params=self._params,
                               json=body, idempotent=True, parse=self._parse_verify)

    async def get_by_nik(self, nik: str) -> ResidentInfo:
        body = {"nik": nik, "user_id": self._user_id,
                "password": self._password.get_secret_value(), "ip_user": self._ip_user}
        return await self.call("POST", self._path(self._methods[1]), path_params=self._params,
                               json=body, idempotent=True, parse=self._parse_resident)

    def _item(self, response: httpx.Response) -> dict[str, Any]:
        body = json_body(response)
        if not isinstance(body, dict):
            raise BadShape(fields=["(root)"])
        content = body.get("content")
        if not isinstance(content, list) or not content or not isinstance(content[0], dict):
            raise BadShape(fields=["content"])
        quota = body.get("quotaLimiter")
        if isinstance(quota, int) and not isinstance(quota, bool):
            self.quota_left = quota
        item: dict[str, Any] = content[0]
        return item

    def _code(self, item: dict[str, Any], call: Call) -> str | None:
        """The person-outcome code, None for success; setup faults are raised."""
        code = item.get("RESPONSE_CODE")
        if code is None:
            text = item.get("RESPON")
            if not isinstance(text, str):
                return None
            key = " ".join(text.lower().split())
            code = _RESPON_CODES.get(key)
            if code is None:
                _log.warning("dukcapil.unknown_text", path=call.path, length=len(text))
                raise setup_error("text", call)
        if not isinstance(code, str):
            raise BadShape(fields=["content.0.RESPONSE_CODE"])
        if code in PERSON_CODES:
            return code
        if code == "01":  # defined by one client, never seen on the wire: a success if it comes
            return None
        if code not in SETUP_CODES:
            _log.warning("dukcapil.unknown_code", path=call.path, response_code=code[:8])
        raise setup_error(code[:8], call)

    def _parse_verify(self, response: httpx.Response, call: Call) -> VerifyResult:
        item = self._item(response)
        code = self._code(item, call)
        if code is not None:
            return VerifyResult(response_code=code, quota_left=self.quota_left)
        elements = {key: value for key, value in item.items()
                    if isinstance(value, str) and _VERDICT.match(value)}
        if "NIK" not in elements:
            raise BadShape("success without a NIK verdict", fields=["content.0.NIK"])
        matched = {key: not value.strip().lower().startswith("tidak")
                   for key, value in elements.items()}
        score: dict[str, int | None] = {}
        for key, value in elements.items():
            found = _SCORE.search(value)
            score[key] = int(found.group(1)) if found else None
        return VerifyResult(response_code=None, elements=elements, matched=matched, score=score,
                            quota_left=self.quota_left)

    def _parse_resident(self, response: httpx.Response, call: Call) -> ResidentInfo:
        item = self._item(response)
        code = self._code(item, call)
        if code is not None:
            return ResidentInfo(response_code=code)

        def text(key: str) -> str | None:
            value = item.get(key)
            return value if isinstance(value, str) and value else None

        if text("NIK") is None:
            raise BadShape("person without a NIK", fields=["content.0.NIK"])
        return ResidentInfo(response_code=None, kelurahan=text("KEL_NAME"),
                            kecamatan=text("KEC_NAME"), kabupaten=text("KAB_NAME"),
                            provinsi=text("PROP_NAME"))
