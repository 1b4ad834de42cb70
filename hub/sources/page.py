"""What a channel source yields to the pull engine: pages with a resume position."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True)
class SourcePage:
    """One page. ``resume`` is where to continue; ``more`` says whether to continue now.

    Cursor-paged channels return ``resume=None`` on their last page: the next run starts from
    the watermark. Position-paged feeds (``since_id``, a CSV export by date) return their
    position on the last page too, with ``more=False``: the next run continues from it.
    """

    records: list[Any]
    resume: str | None
    more: bool | None = None  # default: more pages while ``resume`` is set

    @property
    def has_more(self) -> bool:
        return self.resume is not None if self.more is None else self.more



class Source(Protocol):
    """What the pull engine needs from a channel connector; adapters live in hub/sources/."""

    async def fetch(self, *, since: datetime | None, resume: str | None,
                    limit: int) -> SourcePage: ...

