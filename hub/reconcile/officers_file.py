"""``mappings/officers.yaml``: instansi code → SIASN unit (unor) and the complaint post.

Data, not code; validated when loaded, failing fast with the file and the offending path.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError


class UnitSpec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    unor_id: str = Field(pattern=r"^[0-9A-Fa-f]{32}$")
    post: str | None = None  # this unit's complaint post, when it differs from the default


class OfficersFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    post: str = Field(min_length=1)
    units: dict[str, UnitSpec]

    def post_of(self, instansi: str) -> str:
        unit = self.units.get(instansi)
        return unit.post if unit is not None and unit.post else self.post


class OfficersFileError(ValueError):
    pass


@lru_cache(maxsize=4)
def load_officers(file: Path) -> OfficersFile:
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
        return OfficersFile.model_validate(data)
    except OSError as exc:
        raise OfficersFileError(f"{file}: cannot read ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise OfficersFileError(f"{file}: not YAML ({exc})") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top)"
        raise OfficersFileError(f"{file}: at {where}: {first['msg']}") from None
