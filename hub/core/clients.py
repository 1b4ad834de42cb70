"""Connector clients built from settings; tests may hand in-process transports per system."""

from __future__ import annotations

from typing import Any

import httpx

from connectors.dukcapil import DukcapilClient
from connectors.lapor import LaporClient
from connectors.lapor_api import LaporApi
from connectors.lapor_legacy import LaporLegacyClient
from connectors.siasn import SiasnClient
from connectors.tls import tls_transport
from hub.core.settings import HttpSystem, Settings

# Tests hand in-process transports (ASGI) per system name; production leaves this empty.
Transports = dict[str, httpx.AsyncBaseTransport]


def http_kwargs(system: HttpSystem, name: str, transports: Transports | None) -> dict[str, Any]:
    given = (transports or {}).get(name)
    trusted = given or tls_transport(ca_bundle=system.ca_bundle,
                                     pinned_sha256=system.pinned_sha256,
                                     concurrency=system.concurrency, kind=system.transport)
    return {
        "base_url": system.base_url,
        "token": system.token,
        "timeout_s": system.timeout_s,
        "max_attempts": system.max_attempts,
        "backoff_base_s": system.backoff_base_s,
        "backoff_max_s": system.backoff_max_s,
        "concurrency": system.concurrency,
        "transport": trusted or system.transport,
    }


def lapor_client(settings: Settings, transports: Transports | None = None) -> LaporApi:
    """The deployment's LAPOR! adapter (``lapor.adapter``): the only place that chooses it."""
    kwargs = http_kwargs(settings.lapor, "lapor", transports)
    if settings.lapor.adapter == "legacy_xml":
        return LaporLegacyClient(**{**kwargs, "base_url": settings.lapor.legacy_base_url})
    return LaporClient(**kwargs)


def dukcapil_client(settings: Settings,
                    transports: Transports | None = None) -> DukcapilClient | None:
    """None when no credentials are configured: identity checks are then skipped, not faked."""
    system = settings.dukcapil
    if system.password is None:
        return None
    kwargs = http_kwargs(system, "dukcapil", transports)
    kwargs.pop("token")
    return DukcapilClient(user_id=system.user_id, password=system.password,
                          instansi=system.instansi, ip_user=system.ip_user,
                          threshold=system.threshold, path_template=system.path_template,
                          region=system.region, verify_method=system.verify_method,
                          nik_method=system.nik_method, **kwargs)


def siasn_client(settings: Settings, transports: Transports | None = None) -> SiasnClient:
    """Both SIASN tokens from their own hosts; ``transports["siasn_auth"]`` for the token host."""
    system = settings.siasn
    if system.client_secret is None:
        raise ValueError("SIASN is not configured: set LAPOR_HUB_SIASN__CLIENT_SECRET")
    return SiasnClient(token_url=system.token_url, client_id=system.client_id,
                       client_secret=system.client_secret, sso_url=system.sso_url,
                       sso_client_id=system.sso_client_id, sso_username=system.sso_username,
                       sso_password=system.sso_password, sso_token=system.sso_token,
                       token_transport=(transports or {}).get("siasn_auth"),
                       **http_kwargs(system, "siasn", transports))
