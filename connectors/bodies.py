"""Turning a 2xx response into data: JSON decoding, paged feeds and models, failing as
:class:`BadShape` with field locations only (never the values, which may be personal data)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from connectors.errormap import Call, field_names

M = TypeVar("M", bound=BaseModel)


class BadShape(Exception):
    """Raised by parse functions; ``fields`` are locations only, never values."""

    def __init__(self, reason: str = "unexpected body shape", fields: list[str] | None = None):
        self.reason = reason
        self.fields = fields or []
        super().__init__(reason)


def json_body(response: httpx.Response) -> Any:
    """The decoded JSON body, or :class:`BadShape` when it is not JSON."""
    try:
        return response.json()
    except ValueError:  # JSONDecodeError and UnicodeDecodeError; both carry the body: drop them
        raise BadShape("body is not JSON") from None


def data_page(response: httpx.Response) -> tuple[dict[str, Any], list[Any]]:
    """The JSON object of a paged feed and its ``data`` list, or :class:`BadShape`."""
    body = json_body(response)
    if not isinstance(body, dict):
        raise BadShape(fields=["(root)"])
    records = body.get("data")
    if not isinstance(records, list):
        raise BadShape(fields=["data"])
    return body, records


def validate(model: type[M], data: Any) -> M:
    """``model`` validated from ``data``, or :class:`BadShape` naming the failing fields."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        # ValidationError's text quotes the input: keep only the locations.
        raise BadShape(fields=field_names(err["loc"] for err in exc.errors())) from None


def model_parser(model: type[M]) -> Callable[[httpx.Response, Call], M]:
    """A ``parse`` function for :meth:`BaseClient.call` that validates the body as ``model``."""

    def parse(response: httpx.Response, call: Call) -> M:
        return validate(model, json_body(response))

    return parse
