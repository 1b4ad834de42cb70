"""Every error a connector raises, in one tree, so callers catch by meaning::

    ConnectorError                 base; carries system, method, path (template), status
    ├── RetriableError             the same call may succeed later
    │   ├── RateLimited            429; ``retry_after`` seconds when the server said so
    │   ├── UpstreamUnavailable    5xx, 408, connect errors, timeouts of idempotent calls
    │   ├── MalformedResponse      body is not JSON or not the agreed shape
    │   ├── AmbiguousWriteError    a non-idempotent request may have reached the server and its
    │   │                          outcome is unknown (read timeout, 5xx, dropped connection,
    │   │                          unreadable 2xx body after a POST): resolve by lookup, never
    │   │                          by blindly sending again
    │   ├── QuotaExceeded          Dukcapil code 05: the daily quota is used up
    │   └── OutsideAccessHours     Dukcapil code 06: the gateway is closed at this hour
    ├── FatalError                 the same call will fail again until something is fixed
    │   ├── AuthError              401/403, Dukcapil code 03
    │   ├── InvalidRequest         other 4xx (e.g. 422); ``fields`` names the fields that failed
    │   ├── NotFound               404
    │   ├── SetupRefused           Dukcapil 04, 07, 09, 10, 16, 17: the caller's IP, parameters,
    │                              institution or user account is not accepted
    │   └── CapabilityUnavailable  the configured adapter of the system cannot do this at all
    │                              (LAPOR!'s legacy API: no lookup, feed or follow-up)
    └── PagingLoopError            a paginator was handed a cursor it had already followed

The connectors retry by themselves only ``RateLimited`` (when the wait fits their cap),
``UpstreamUnavailable`` and ``MalformedResponse``, and only where repeating the request cannot
create a second copy of something. ``QuotaExceeded``, ``OutsideAccessHours`` and
``AmbiguousWriteError`` are retriable by the caller's schedule, not inline.

Messages are built only from the system name, HTTP method, path *template*
(``/laporan/{tracking_id}/tindak-lanjut``), status code and field names. They never contain
request or response bodies, query values, identifiers or personal data (NIK, names, phones), so an
error can be logged or stored as it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class ConnectorError(Exception):
    """Base of every connector error. ``reason`` must be a fixed phrase, never data."""

    def __init__(
        self,
        reason: str | None = None,
        *,
        system: str,
        method: str | None = None,
        path: str | None = None,
        status: int | None = None,
    ) -> None:
        self.system = system
        self.method = method
        self.path = path
        self.status = status
        self.reason = reason or self._default_reason()
        super().__init__(self._render())

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only arguments defeat Exception's default pickling; Prefect and process pools
        # pickle exceptions that cross task or process boundaries.
        return (_restore, (type(self), self.args, dict(self.__dict__)))

    def _default_reason(self) -> str:
        doc = type(self).__doc__ or type(self).__name__
        return doc.strip().splitlines()[0].rstrip(".")

    def _render(self) -> str:
        where = " ".join(part for part in (self.method, self.path) if part)
        head = f"{self.system} {where}".strip()
        status = f" (HTTP {self.status})" if self.status is not None else ""
        return f"{head}: {self.reason}{status}"


def _restore(
    cls: type[ConnectorError], args: tuple[Any, ...], state: dict[str, Any]
) -> ConnectorError:
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error


class RetriableError(ConnectorError):
    """The same call may succeed later."""


class RateLimited(RetriableError):
    """Rate limited by the server."""

    def __init__(
        self,
        reason: str | None = None,
        *,
        system: str,
        retry_after: float | None = None,
        method: str | None = None,
        path: str | None = None,
        status: int | None = 429,
    ) -> None:
        self.retry_after = retry_after
        super().__init__(reason, system=system, method=method, path=path, status=status)

    def _render(self) -> str:
        base = super()._render()
        return base if self.retry_after is None else f"{base}, retry after {self.retry_after:g}s"


class UpstreamUnavailable(RetriableError):
    """Upstream unavailable."""


class MalformedResponse(RetriableError):
    """Response body is not the agreed shape."""


class AmbiguousWriteError(RetriableError):
    """Write may or may not have been applied; look it up before sending it again."""


class QuotaExceeded(RetriableError):
    """Daily quota used up."""


class OutsideAccessHours(RetriableError):
    """Outside the system's access hours."""


class FatalError(ConnectorError):
    """The same call will fail again until something is fixed."""


class AuthError(FatalError):
    """Authentication or authorisation failed."""


class InvalidRequest(FatalError):
    """Request rejected as invalid."""

    def __init__(
        self,
        reason: str | None = None,
        *,
        system: str,
        status: int,
        fields: Sequence[str] = (),
        method: str | None = None,
        path: str | None = None,
    ) -> None:
        self.fields: list[str] = list(fields)
        super().__init__(reason, system=system, method=method, path=path, status=status)

    def _render(self) -> str:
        base = super()._render()
        return f"{base}; fields: {', '.join(self.fields)}" if self.fields else base


class NotFound(FatalError):
    """Not found."""


class SetupRefused(FatalError):
    """The system refused the caller's own setup (IP, parameters, account, institution)."""


class CapabilityUnavailable(FatalError):
    """The configured adapter cannot do this at all (e.g. LAPOR!'s legacy API has no lookup by
    origin, change feed or follow-up): a setup fact, reported as such, never worked around."""


class PagingLoopError(ConnectorError):
    """Paging loop: the server returned a cursor that was already followed."""


__all__ = [
    "AmbiguousWriteError",
    "AuthError",
    "CapabilityUnavailable",
    "ConnectorError",
    "FatalError",
    "InvalidRequest",
    "MalformedResponse",
    "NotFound",
    "OutsideAccessHours",
    "PagingLoopError",
    "QuotaExceeded",
    "RateLimited",
    "RetriableError",
    "SetupRefused",
    "UpstreamUnavailable",
]
