"""GeoReport v2 on the wire: the same rows as JSON or as XML, errors as ``[{code, description}]``.

Every response is a list of flat-ish dicts (or, for discovery and a service definition, one dict);
XML wraps them in the element names the specification uses, lists of nested values in the plural
element with one singular child each (``attributes/attribute``, ``values/value``,
``endpoints/endpoint``, ``formats/format``). Dates are W3C (ISO 8601 with an offset).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from xml.etree.ElementTree import Element, SubElement, tostring

from fastapi.responses import Response

FORMATS = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
# Plural element -> the element of each item, as the specification's XML examples name them.
CHILD = {"attributes": "attribute", "values": "value", "endpoints": "endpoint",
         "formats": "format", "errors": "error", "service_requests": "request",
         "services": "service"}


class Open311Error(Exception):
    """Answered as the specification's error body with this HTTP status."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status, self.description = status, description


def w3c(value: datetime | None) -> str | None:
    if value is None:
        return None
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.isoformat(timespec="seconds")


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _fill(parent: Element, name: str, value: Any) -> None:
    node = SubElement(parent, name)
    if isinstance(value, list):
        child = CHILD.get(name, "item")
        for item in value:
            _fill(node, child, item)
    elif isinstance(value, dict):
        for key, sub in value.items():
            _fill(node, key, sub)
    else:
        text = _text(value)
        if text is not None:
            node.text = text


def to_xml(root: str, body: list[Any] | dict[str, Any]) -> bytes:
    top = Element(root)
    if isinstance(body, list):
        for item in body:
            _fill(top, CHILD[root], item)
    else:
        for key, value in body.items():
            _fill(top, key, value)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(top, encoding="unicode").encode()


def render(fmt: str, root: str, body: list[Any] | dict[str, Any], status: int = 200) -> Response:
    if fmt == "xml":
        return Response(to_xml(root, body), status_code=status, media_type=FORMATS["xml"])
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    return Response(text.encode(), status_code=status, media_type=FORMATS["json"])


def error(fmt: str, status: int, description: str) -> Response:
    return render(fmt if fmt in FORMATS else "json", "errors",
                  [{"code": status, "description": description}], status)
