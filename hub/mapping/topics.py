"""The deployment's SP4N-LAPOR! topic table (``mappings/lapor_topics.yaml``): id, parent, name.

LAPOR! names its categories (*topik*) by numeric id: its data API serves them as
``[{"id": "13", "parent": "3", "topic_name": "…"}]`` (digits in strings, parent ``"0"`` = top
level). A deployment keeps a copy of that list beside its mapping files; a channel mapping names
a topic by id or by name, and every reference is checked against this table when the mappings
load, so a report never leaves with a category LAPOR! does not know.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

TOPICS_FILE = "lapor_topics.yaml"


class TopicTableError(ValueError):
    """The topic table itself is broken; the message says which file, where and what."""


@dataclass(frozen=True)
class Topic:
    id: str  # digits, as LAPOR! sends them
    parent: str  # "0": a top-level topic
    name: str


@dataclass(frozen=True)
class TopicTable:
    topics: dict[str, Topic]
    source: Path | None = None

    def resolve(self, ref: str | int) -> Topic:
        """The topic ``ref`` names: an id (``12`` or ``"12"``) or a name that only one topic has.

        Raises ``LookupError`` with a message an integrator can act on.
        """
        text = str(ref).strip()
        if text.isdigit():
            found = self.topics.get(str(int(text)))
            if found is None:
                raise LookupError(f"topic id {text} is not in the LAPOR! topic table "
                                  f"({self._where()})")
            return found
        named = [t for t in self.topics.values() if t.name.casefold() == text.casefold()]
        if not named:
            raise LookupError(f"topic {text!r} is not in the LAPOR! topic table "
                              f"({self._where()}); name a topic of the table or its id")
        if len(named) > 1:
            ids = ", ".join(t.id for t in named)
            raise LookupError(f"topic name {text!r} is ambiguous in the LAPOR! topic table "
                              f"(ids {ids}); name it by id")
        return named[0]

    def _where(self) -> str:
        return str(self.source) if self.source else "the topic table"


def _digits(value: object, where: str, key: str) -> str:
    # LAPOR! sends ids as digit strings; the YAML may hold them as numbers.
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit():
        raise TopicTableError(f"{where}: {key} must be a number (digits), got {value!r}")
    return str(int(str(value)))


def parse_topics(items: object, source: Path | None = None) -> TopicTable:
    """A table from a list of ``{id, parent, name}``; ids unique, each parent 0 or a known id."""
    where = str(source) if source else "topic table"
    if not isinstance(items, list) or not items:
        raise TopicTableError(f"{where}: `topics` must be a non-empty list of {{id, parent, name}}")
    topics: dict[str, Topic] = {}
    for i, item in enumerate(items):
        at = f"{where}: topics[{i}]"
        if not isinstance(item, dict) or set(item) != {"id", "parent", "name"}:
            raise TopicTableError(f"{at}: expected exactly the keys id, parent, name")
        name = item["name"]
        if not isinstance(name, str) or not name.strip():
            raise TopicTableError(f"{at}: name must be a non-empty string")
        topic = Topic(_digits(item["id"], at, "id"), _digits(item["parent"], at, "parent"),
                      name.strip())
        if topic.id == "0":
            raise TopicTableError(f"{at}: id 0 is reserved for 'no parent'")
        if topic.id in topics:
            raise TopicTableError(f"{at}: id {topic.id} appears twice")
        topics[topic.id] = topic
    for topic in topics.values():
        if topic.parent != "0" and topic.parent not in topics:
            raise TopicTableError(f"{where}: topic {topic.id} has parent {topic.parent}, "
                                  "which is not in the table")
    return TopicTable(topics, source)


def load_topics(file: Path) -> TopicTable:
    if not file.is_file():
        raise TopicTableError(f"{file}: no LAPOR! topic table; every deployment keeps one "
                              f"beside its mapping files ({TOPICS_FILE})")
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise TopicTableError(f"{file}: not valid YAML ({exc})") from exc
    if not isinstance(data, dict) or "topics" not in data:
        raise TopicTableError(f"{file}: expected a top-level `topics:` list")
    return parse_topics(data["topics"], file)
