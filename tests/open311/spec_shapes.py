"""The shapes GeoReport v2 (wiki.open311.org/GeoReport_v2) gives each response, as JSON Schemas.

Written from the specification's field tables and examples, not from the hub's code: field names,
which are lists, types, the two statuses, W3C dates with an offset. ``additionalProperties:
false`` on a service request is what keeps write-only fields (names, e-mail, phone) out.
XML is checked against the same shapes after ``xml_to_json`` reads it by the specification's
element names (``services/service``, ``service_requests/request``, ``errors/error``, ...).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

W3C = r"^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$"
TEXT = {"type": ["string", "null"]}
DATE = {"type": "string", "pattern": W3C}


def _obj(required: dict[str, Any], optional: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"type": "object", "required": list(required),
            "properties": {**required, **(optional or {})}, "additionalProperties": False}


ERRORS = {"type": "array", "minItems": 1,
          "items": _obj({"code": {"type": "integer"}, "description": {"type": "string"}})}
DISCOVERY = _obj({
    "changeset": DATE, "contact": {"type": "string"}, "key_service": {"type": "string"},
    "endpoints": {"type": "array", "minItems": 1, "items": _obj({
        "specification": {"const": "http://wiki.open311.org/GeoReport_v2"},
        "url": {"type": "string"}, "changeset": DATE,
        "type": {"enum": ["production", "test"]},
        "formats": {"type": "array", "items": {"enum": ["text/xml", "application/json"]},
                    "contains": {"const": "text/xml"}}})}})
SERVICES = {"type": "array", "items": _obj({
    "service_code": {"type": "string"}, "service_name": {"type": "string"},
    "description": TEXT, "metadata": {"type": "boolean"},
    "type": {"enum": ["realtime", "batch", "blackbox"]}, "keywords": TEXT, "group": TEXT})}
DEFINITION = _obj({"service_code": {"type": "string"}, "attributes": {
    "type": "array", "items": _obj({
        "variable": {"type": "boolean"}, "code": {"type": "string"},
        "datatype": {"enum": ["string", "number", "datetime", "text", "singlevaluelist",
                              "multivaluelist"]},
        "required": {"type": "boolean"}, "datatype_description": TEXT,
        "order": {"type": "integer"}, "description": {"type": "string"}},
        {"values": {"type": "array", "items": _obj({"key": {"type": "string"},
                                                    "name": {"type": "string"}})}})}})
REQUESTS = {"type": "array", "items": _obj({
    "service_request_id": {"type": "string"}, "status": {"enum": ["open", "closed"]},
    "status_notes": TEXT, "service_name": TEXT, "service_code": {"type": "string"},
    "description": TEXT, "agency_responsible": TEXT, "service_notice": TEXT,
    "requested_datetime": DATE, "updated_datetime": DATE,
    "expected_datetime": {"oneOf": [DATE, {"type": "null"}]},
    "address": TEXT, "address_id": TEXT, "zipcode": TEXT,
    "lat": {"type": ["number", "null"]}, "long": {"type": ["number", "null"]},
    "media_url": TEXT})}
POSTED = {"type": "array", "minItems": 1, "maxItems": 1, "items": {
    **_obj({"service_notice": TEXT, "account_id": TEXT},
           {"token": {"type": "string"}, "service_request_id": {"type": "string"}}),
    "oneOf": [{"required": ["token"]}, {"required": ["service_request_id"]}]}}
TOKEN = {"type": "array", "items": _obj({"service_request_id": TEXT,
                                         "token": {"type": "string"}})}

# Root element -> element of each item, and the lists inside items.
XML_ITEMS = {"services": "service", "service_requests": "request", "errors": "error"}
XML_LISTS = {"endpoints": "endpoint", "formats": "format", "attributes": "attribute",
             "values": "value"}
INTEGERS = {"code", "order"}
NUMBERS = {"lat", "long"}
BOOLEANS = {"metadata", "variable", "required"}


def _value(node: ET.Element) -> Any:
    if node.tag in XML_LISTS:
        children = list(node)
        assert all(c.tag == XML_LISTS[node.tag] for c in children), node.tag
        return [_value(c) for c in children]
    if len(node):
        return {c.tag: _value(c) for c in node}
    text = node.text
    if text is None:
        return None
    if node.tag in BOOLEANS:
        assert text in ("true", "false"), (node.tag, text)
        return text == "true"
    if node.tag in INTEGERS and text.lstrip("-").isdigit():
        return int(text)
    if node.tag in NUMBERS:
        return float(text)
    return text


def xml_to_json(body: bytes, root: str) -> Any:
    """Read a GeoReport XML body the way the specification lays it out."""
    assert body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>'), body[:60]
    top = ET.fromstring(body)
    assert top.tag == root, (top.tag, root)
    if root in XML_ITEMS:
        assert all(c.tag == XML_ITEMS[root] for c in top), [c.tag for c in top]
        return [_value(c) for c in top]
    return {c.tag: _value(c) for c in top}
