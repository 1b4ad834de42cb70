"""Loading ``mappings/<channel>.yaml``: schema-checked; fails fast with file, line, expectation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from hub.mapping.engine import ChannelMapping
from hub.mapping.topics import TOPICS_FILE, TopicTable, TopicTableError, load_topics
from hub.mapping.transforms import NEEDS_ARG, REGISTRY, split_spec


class MappingFileError(ValueError):
    """A mapping file is broken; the message says which file, where and what was expected."""

    def __init__(self, file: Path, line: int | None, path: str, expected: str) -> None:
        where = f"{file}:{line}" if line else str(file)
        super().__init__(f"{where}: at {path or '(top)'}: {expected}")
        self.file, self.line, self.path, self.expected = file, line, path, expected


def _line_of(node: yaml.Node | None, path: list[str | int]) -> int | None:
    """Follow ``path`` through the composed YAML tree to the line of the deepest node found."""
    line = node.start_mark.line + 1 if node else None
    for key in path:
        if isinstance(node, yaml.MappingNode):
            match = next((v for k, v in node.value if k.value == str(key)), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            match = node.value[key]
        else:
            match = None
        if match is None:
            break
        node = match
        line = node.start_mark.line + 1
    return line


def _expected(error: ValidationError) -> str:
    best = error
    if error.context:  # oneOf/anyOf: report the most specific sub-error
        best = min(error.context, key=lambda e: -len(list(e.absolute_path)))
    return str(best.message)


def _check_transforms(data: dict[str, Any], file: Path, root: yaml.Node | None) -> None:
    specs = [("record", k, v) for k, v in data.get("record", {}).items() if isinstance(v, dict)]
    specs += [("fields", k, v) for k, v in data.get("fields", {}).items()]
    for section, name, field in specs:
        for i, spec in enumerate(field.get("transform", [])):
            tname, arg = split_spec(spec)
            path: list[str | int] = [section, name, "transform", i]
            if tname not in REGISTRY:
                known = ", ".join(sorted(REGISTRY))
                raise MappingFileError(file, _line_of(root, path), ".".join(map(str, path)),
                                       f"unknown transform {tname!r}; known: {known}")
            if (arg is None) == (tname in NEEDS_ARG):
                need = "needs an argument" if tname in NEEDS_ARG else "takes no argument"
                raise MappingFileError(file, _line_of(root, path), ".".join(map(str, path)),
                                       f"transform {tname!r} {need}")


def _resolve_topics(data: dict[str, Any], file: Path, root: yaml.Node | None,
                    topics: TopicTable) -> dict[str, Any]:
    """``data`` with every target's topic resolved to its id (and name); unknown ones fail."""
    category = dict(data["category"])
    places: list[tuple[list[str | int], dict[str, Any]]] = [
        (["category", "map", key], target) for key, target in category["map"].items()]
    if category.get("default") is not None:
        places.append((["category", "default"], category["default"]))
    resolved: dict[str, Any] = {}
    for path, target in places:
        try:
            topic = topics.resolve(target["kategori"])
        except LookupError as exc:
            where = [*path, "kategori"]
            raise MappingFileError(file, _line_of(root, where), ".".join(map(str, where)),
                                   str(exc)) from None
        fixed = {**target, "kategori": topic.id, "kategori_nama": topic.name}
        if path[1] == "map":
            resolved[str(path[2])] = fixed
        else:
            category["default"] = fixed
    category["map"] = resolved
    return {**data, "category": category}


def load_topics_beside(mappings_dir: Path) -> TopicTable:
    """The deployment's LAPOR! topic table, ``lapor_topics.yaml`` beside the mapping files."""
    return load_topics(mappings_dir / TOPICS_FILE)


def load_mapping(file: Path, schema_file: Path,
                 topics: TopicTable | None = None) -> ChannelMapping:
    """One mapping file, checked against ``schema_file`` and the topic table (default: the
    ``lapor_topics.yaml`` beside it); its targets carry the topics' ids."""
    text = file.read_text(encoding="utf-8")
    try:
        root = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise MappingFileError(file, mark.line + 1 if mark else None, "", f"valid YAML ({exc})"
                               ) from exc
    if not isinstance(data, dict):
        raise MappingFileError(file, 1, "", "a mapping (key: value) at the top level")
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    errors = sorted(Draft202012Validator(schema).iter_errors(data),
                    key=lambda e: (len(list(e.absolute_path)), str(e.absolute_path)))
    if errors:
        err = errors[-1]
        path = list(err.absolute_path)
        raise MappingFileError(file, _line_of(root, path), ".".join(map(str, path)), _expected(err))
    _check_transforms(data, file, root)
    if data["channel"] != file.stem:
        raise MappingFileError(file, _line_of(root, ["channel"]), "channel",
                               f"channel {data['channel']!r} to match the file name {file.stem!r}")
    ChannelMapping.model_validate(data)  # the file's own rules first, as written
    if topics is None:
        try:
            topics = load_topics_beside(file.parent)
        except TopicTableError as exc:
            raise MappingFileError(file, None, "category", str(exc)) from None
    return ChannelMapping.model_validate(_resolve_topics(data, file, root, topics))


def channel_names(mappings_dir: Path) -> list[str]:
    """Channels are the mapping files that have a source module (``hub/sources/<name>.py``).

    Other YAML files under ``mappings/`` (SLA rules, unit tables) are data of other modules and
    are loaded, and validated, by those modules.
    """
    sources = Path(__file__).parents[1] / "sources"
    return sorted(f.stem for f in mappings_dir.glob("*.yaml")
                  if (sources / f"{f.stem}.py").is_file())


def load_mappings(mappings_dir: Path, schemas_dir: Path) -> dict[str, ChannelMapping]:
    schema_file = schemas_dir / "mapping.schema.json"
    names = channel_names(mappings_dir)
    topics = load_topics_beside(mappings_dir) if names else None
    loaded = {}
    for name in names:
        file = mappings_dir / f"{name}.yaml"
        mapping = load_mapping(file, schema_file, topics)
        if not (schemas_dir / mapping.raw_schema).is_file():
            raise MappingFileError(file, None, "raw_schema",
                                   f"an existing schema file, {mapping.raw_schema!r} is missing")
        loaded[mapping.channel] = mapping
    return loaded


def channels(mappings_dir: Path) -> list[str]:
    """Channels with a mapping file (``channel:`` equal to the file name); other data files
    living beside them (e.g. service levels) are not channels."""
    names = []
    for file in sorted(mappings_dir.glob("*.yaml")):
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
        if isinstance(data, dict) and data.get("channel") == file.stem:
            names.append(file.stem)
    return names

