"""Trusting a server whose certificate no public CA signs, without switching verification off.

The Dukcapil gateway presents a self-signed certificate for a bare private IP (external-systems
§1.1). Public clients turn verification off; the hub instead takes, per system, either a CA
bundle (the gateway's own certificate or the CA that signed it, verified with hostname check as
usual) or the SHA-256 fingerprint of the certificate itself (pinned: the handshake fails unless
the server presents exactly that certificate — aiohttp's ``Fingerprint``). Every other system
is verified against the system's CA store, loaded once per process (:func:`default_tls_context`).
"""

from __future__ import annotations

import re
import ssl
from functools import cache
from pathlib import Path

import aiohttp
import httpx
from httpx_aiohttp import AiohttpTransport

_HEX = re.compile(r"^[0-9a-f]{64}$")


class TlsSettingError(ValueError):
    pass


def fingerprint(value: str) -> bytes:
    """``ab:cd:…`` or ``abcd…`` (64 hex digits, any case) as 32 bytes."""
    clean = value.replace(":", "").strip().lower()
    if not _HEX.match(clean):
        raise TlsSettingError("pinned_sha256 must be 64 hex digits (colons allowed)")
    return bytes.fromhex(clean)


def tls_transport(*, ca_bundle: Path | None, pinned_sha256: str | None, concurrency: int,
                  kind: str = "aiohttp") -> httpx.AsyncBaseTransport | None:
    """A transport that trusts what the settings say, or None when nothing special is set."""
    if ca_bundle is None and pinned_sha256 is None:
        return None
    if ca_bundle is not None and pinned_sha256 is not None:
        raise TlsSettingError("set either ca_bundle or pinned_sha256, not both")
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    if ca_bundle is not None:
        if not ca_bundle.is_file():
            raise TlsSettingError(f"ca_bundle {ca_bundle} is not a readable file")
        context = ssl.create_default_context(cafile=str(ca_bundle))
        if kind == "httpx":
            return httpx.AsyncHTTPTransport(verify=context, limits=limits)
        return AiohttpTransport(verify=context, limits=limits)
    pin = aiohttp.Fingerprint(fingerprint(pinned_sha256 or ""))

    def session() -> aiohttp.ClientSession:
        # The fingerprint check replaces chain verification: only that exact certificate passes.
        return aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=pin, limit=concurrency))

    return AiohttpTransport(limits=limits, client=session)


@cache
def default_tls_context() -> ssl.SSLContext:
    """The system's CA store, verified as httpx would, loaded once per process.

    Loading the CA bundle takes ~17 ms; every client building its own cost a sync that opens
    clients per push batch a measurable share of its CPU. Contexts are safe to share.
    """
    return httpx.create_ssl_context()
