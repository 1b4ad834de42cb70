"""The deployment's LAPOR! topic table: every mapping's topic is checked against it at load."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from hub.core.settings import PROJECT_ROOT
from hub.mapping.loader import MappingFileError, load_mapping, load_mappings
from hub.mapping.topics import TOPICS_FILE, TopicTableError, load_topics, parse_topics
from simulators.lapor_topics import gettopics_body

MAPPINGS, SCHEMAS = PROJECT_ROOT / "mappings", PROJECT_ROOT / "schemas"
SCHEMA = SCHEMAS / "mapping.schema.json"


def _deployment(tmp_path: Path, edit: dict[str, object] | None = None,
                topics: str | None = None) -> Path:
    """A copy of the Sikesal mapping (``edit`` merged into its route of masalah 1, jalan rusak)
    and a topic table."""
    out = tmp_path / "mappings"
    out.mkdir(parents=True)
    spec = yaml.safe_load((MAPPINGS / "sikesal.yaml").read_text(encoding="utf-8"))
    spec["category"]["map"]["1"].update(edit or {})
    (out / "sikesal.yaml").write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    if topics is None:
        shutil.copy(MAPPINGS / TOPICS_FILE, out)
    else:
        (out / TOPICS_FILE).write_text(topics, encoding="utf-8")
    return out / "sikesal.yaml"


def test_every_mapping_names_topics_of_the_table_and_carries_their_ids() -> None:
    table = load_topics(MAPPINGS / TOPICS_FILE)
    for mapping in load_mappings(MAPPINGS, SCHEMAS).values():
        targets = [*mapping.category.map.values(), mapping.category.default]
        for target in (t for t in targets if t is not None):
            assert target.kategori in table.topics
            assert target.kategori_nama == table.topics[target.kategori].name


def test_the_table_is_what_the_sandbox_lapor_serves_from_gettopics() -> None:
    table = load_topics(MAPPINGS / TOPICS_FILE)
    served = {(t["id"], t["parent"], t["topic_name"]) for t in gettopics_body()}
    assert {(t.id, t.parent, t.name) for t in table.topics.values()} == served


@pytest.mark.parametrize("ref", [14, "14", "Drainase", "drainase"])
def test_a_topic_may_be_named_by_id_or_by_name(tmp_path: Path, ref: object) -> None:
    mapping = load_mapping(_deployment(tmp_path, {"kategori": ref}), SCHEMA)
    jalan = mapping.category.map["1"]
    assert (jalan.kategori, jalan.kategori_nama) == ("14", "Drainase")


@pytest.mark.parametrize(("ref", "words"), [
    (999, "topic id 999 is not in the LAPOR! topic table"),
    ("Jalan Tol", "'Jalan Tol' is not in the LAPOR! topic table"),
])
def test_an_unknown_topic_fails_the_load_with_file_line_and_reason(
        tmp_path: Path, ref: object, words: str) -> None:
    file = _deployment(tmp_path, {"kategori": ref})
    with pytest.raises(MappingFileError) as err:
        load_mapping(file, SCHEMA)
    assert err.value.path == "category.map.1.kategori"
    assert words in str(err.value) and str(file) in str(err.value)
    line = file.read_text(encoding="utf-8").splitlines()[(err.value.line or 0) - 1]
    assert "kategori" in line


def test_a_name_two_topics_share_must_be_given_by_id(tmp_path: Path) -> None:
    table = ("topics:\n  - {id: 1, parent: 0, name: Infrastruktur}\n"
             "  - {id: 8, parent: 0, name: Lainnya}\n  - {id: 18, parent: 1, name: Lainnya}\n"
             "  - {id: 2, parent: 0, name: Lingkungan Hidup dan Kehutanan}\n"
             "  - {id: 4, parent: 0, name: Ketentraman dan Ketertiban Umum}\n"
             "  - {id: 5, parent: 0, name: Penanggulangan Bencana}\n")
    with pytest.raises(MappingFileError, match=r"'Lainnya' is ambiguous .*ids 8, 18"):
        load_mapping(_deployment(tmp_path, {"kategori": "Lainnya"}, table), SCHEMA)
    assert load_mapping(_deployment(tmp_path / "b", {"kategori": 18}, table),
                        SCHEMA).category.map["1"].kategori == "18"


def test_without_a_topic_table_the_mappings_do_not_load(tmp_path: Path) -> None:
    file = _deployment(tmp_path)
    (file.parent / TOPICS_FILE).unlink()
    with pytest.raises(MappingFileError, match="no LAPOR! topic table"):
        load_mapping(file, SCHEMA)
    with pytest.raises(TopicTableError, match="no LAPOR! topic table"):
        load_mappings(file.parent, SCHEMAS)


@pytest.mark.parametrize(("items", "words"), [
    ([{"id": 1, "parent": 0, "name": "A"}, {"id": "1", "parent": 0, "name": "B"}], "twice"),
    ([{"id": 2, "parent": 7, "name": "A"}], "parent 7, which is not in the table"),
    ([{"id": "x", "parent": 0, "name": "A"}], "id must be a number"),
    ([{"id": 1, "parent": 0}], "exactly the keys"),
    ([], "non-empty list"),
])
def test_a_broken_table_is_refused(items: object, words: str) -> None:
    with pytest.raises(TopicTableError, match=words):
        parse_topics(items)
