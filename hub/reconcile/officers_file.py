"""``mappings/officers.yaml``: per OPD, the complaint officer(s) and a deputy, named by NIP.

SIASN has no unit-member list (external-systems.md §2.4), so the hub cannot find "whoever holds
the post"; each OPD names its people and the hub checks them by NIP. Data, not code; validated
when loaded, failing fast with the file and the offending path.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

Nip = str  # 18 digits; validated by the pattern below
_NIP = r"^[0-9]{18}$"
_HEX = r"^[0-9A-Fa-f]{32}$"


class OpdSpec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    unor_induk_id: str = Field(pattern=_HEX)  # the OPD in SIASN (unorIndukId), any case
    officers: list[Nip] = Field(min_length=1)
    deputy: Nip | None = Field(default=None, pattern=_NIP)
    # The unit head's NIP, as the OPD/BKD supplies it: ref-unor names the head only by PNS id.
    head: Nip | None = Field(default=None, pattern=_NIP)
    post: str | None = None  # this OPD's complaint post title, when it differs from the default
    post_id: str | None = None  # or its SIASN id (e.g. jabatanFungsionalUmumId)

    def model_post_init(self, __context: object) -> None:
        for nip in self.officers:
            if len(nip) != 18 or not nip.isdigit():
                raise ValueError("officers: each NIP must be 18 digits")

    def candidates(self) -> list[tuple[str, Nip]]:
        """Who may hold the tickets, in order: named officers, the deputy, the unit head."""
        named = [("officer", nip) for nip in self.officers]
        more = [(role, nip) for role, nip in (("deputy", self.deputy), ("head", self.head))
                if nip is not None]
        return named + more


class OfficersFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    post: str = Field(min_length=1)
    opd: dict[str, OpdSpec]

    def post_of(self, instansi: str) -> str:
        spec = self.opd.get(instansi)
        return spec.post if spec is not None and spec.post else self.post


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
