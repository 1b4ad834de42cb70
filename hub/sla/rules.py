"""``mappings/sla.yaml``: service levels per source, schema-checked when loaded.

A broken file fails fast with the file, the line and what was expected, like the mapping files.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, NoReturn
from zoneinfo import ZoneInfo

import yaml
from jsonschema import Draft202012Validator

from hub.core.models import LaporStatus
from hub.core.settings import PROJECT_ROOT
from hub.sla.calendar import Span, Unit, WorkingCalendar

SLA_FILE = PROJECT_ROOT / "mappings" / "sla.yaml"
SLA_SCHEMA = PROJECT_ROOT / "schemas" / "sla.schema.json"
CREATED = "dibuat"


class SlaFileError(ValueError):
    """The SLA file is broken; the message says where and what was expected."""


@dataclass(frozen=True)
class Stage:
    name: str
    label: str
    start: str  # "dibuat" or an earlier stage's name
    within: Span
    done_when: frozenset[LaporStatus]
    within_by_class: dict[str, Span] = field(default_factory=dict)
    at_risk_after: Span | None = None
    escalate_after: Span | None = None
    compliance: bool = True

    def span_for(self, sla_class: str | None) -> Span:
        return self.within_by_class.get(sla_class or "", self.within)


@dataclass(frozen=True)
class SourceRule:
    source: str
    description: str
    stages: tuple[Stage, ...]


@dataclass(frozen=True)
class SlaRules:
    calendar: WorkingCalendar
    at_risk_share: float
    default: str
    sources: dict[str, SourceRule]

    def for_channel(self, channel: str) -> SourceRule:
        return self.sources.get(channel) or self.sources[self.default]


def _span(raw: dict[str, int]) -> Span:
    [(unit, amount)] = raw.items()
    return Span(amount, Unit(unit))


def _line(node: yaml.Node | None, path: list[str | int]) -> int | None:
    line = node.start_mark.line + 1 if node else None
    for key in path:
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if k.value == str(key)), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) \
                and key < len(node.value):
            node = node.value[key]
        else:
            node = None
        if node is None:
            break
        line = node.start_mark.line + 1
    return line


def _fail(file: Path, root: yaml.Node | None, path: list[str | int], expected: str) -> NoReturn:
    where = _line(root, path)
    dotted = ".".join(map(str, path)) or "(top)"
    raise SlaFileError(f"{file}:{where}: at {dotted}: {expected}")


def _stage(raw: dict[str, Any]) -> Stage:
    return Stage(
        name=raw["name"], label=raw.get("label", raw["name"]), start=raw["from"],
        within=_span(raw["within"]),
        done_when=frozenset(LaporStatus(s) for s in raw["done_when"]),
        within_by_class={k: _span(v) for k, v in raw.get("within_by_class", {}).items()},
        at_risk_after=_span(raw["at_risk_after"]) if "at_risk_after" in raw else None,
        escalate_after=_span(raw["escalate_after"]) if "escalate_after" in raw else None,
        compliance=raw.get("compliance", True),
    )


def load_rules(file: Path = SLA_FILE, schema: Path = SLA_SCHEMA) -> SlaRules:
    text = file.read_text(encoding="utf-8")
    root = yaml.compose(text)
    data = yaml.safe_load(text)
    validator = Draft202012Validator(json.loads(schema.read_text(encoding="utf-8")))
    for error in sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path)):
        _fail(file, root, list(error.absolute_path), error.message)
    sources: dict[str, SourceRule] = {}
    for name, raw in data["sources"].items():
        seen = {CREATED}
        for i, stage in enumerate(raw["stages"]):
            if stage["from"] not in seen:  # a stage can only follow one defined before it
                _fail(file, root, ["sources", name, "stages", i, "from"],
                      f"'dibuat' or an earlier stage of {name}, one of {sorted(seen)}")
            seen.add(stage["name"])
        sources[name] = SourceRule(name, raw.get("description", name),
                                   tuple(_stage(s) for s in raw["stages"]))
    if data["default"] not in sources:
        _fail(file, root, ["default"], f"one of the sources {sorted(sources)}")
    try:
        tz = ZoneInfo(data["timezone"])
    except (KeyError, ValueError):
        _fail(file, root, ["timezone"], "an IANA time zone such as Asia/Jakarta")
    return SlaRules(WorkingCalendar(tz), float(data.get("at_risk_share", 0.8)),
                    data["default"], sources)


@lru_cache(maxsize=1)
def default_rules() -> SlaRules:
    return load_rules()
