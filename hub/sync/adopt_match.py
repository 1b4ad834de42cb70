"""The stated match between a channel's ticket and a report a city's own link filed in LAPOR!.

Used only when LAPOR! holds no report under the channel's reference. Pure functions, no I/O.

The rule (README "Cities that already forward"):

- **time**: the report must be created within ``[dibuat - window_before, dibuat +
  window_after]`` of the channel's record (else it is no candidate); the score falls linearly
  from 1 at the same instant to 0 at the window's edge;
- **text**: both ``isi`` normalised (lower case, punctuation and a leading ``sambat`` keyword
  dropped, common SMS abbreviations written out); the similarity is the larger of the character
  ratio (difflib) and, for texts of 4+ words, the share of the shorter text's words found in the
  longer one (an operator's added closing line costs nothing);
- **place**: both coordinates: 1 at 0 m falling to 0 at ``max_distance_m``; else the ticket's
  kelurahan named in the report's lokasi 1, only its kecamatan 0.5, neither 0; nothing to
  compare on one side (an SMS has no place): not counted;
- **confidence** = 0.6 text + 0.15 time + 0.25 place (without place: 0.8 text + 0.2 time).

A decision: no candidate at ``doubt_score`` or above → none (wait for the city's link); the
best at ``adopt_score`` or above and ahead of the second by ``margin`` → adopt; otherwise doubtful.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from difflib import SequenceMatcher
from typing import Literal

_WORDS = re.compile(r"[^\w]+")
_SPELLED = {"sdh": "sudah", "udh": "sudah", "blm": "belum", "gak": "tidak", "ga": "tidak",
            "nggak": "tidak", "tdk": "tidak", "yg": "yang", "dgn": "dengan", "krn": "karena",
            "jln": "jl", "jalan": "jl", "numpuk": "menumpuk", "ngelupas": "mengelupas",
            "nutup": "menutup", "got": "selokan", "antri": "antrean", "bgt": "sekali"}


@dataclass(frozen=True)
class Probe:
    """What the hub knows of its ticket."""

    isi: str
    dibuat: datetime
    kelurahan: str | None = None
    kecamatan: str | None = None
    lat: float | None = None
    lng: float | None = None


@dataclass(frozen=True)
class Candidate:
    """A report in LAPOR! that might be the city's copy."""

    tracking_id: str
    isi: str
    dibuat: datetime
    lokasi: str | None = None
    lat: float | None = None
    lng: float | None = None


@dataclass(frozen=True)
class MatchRule:
    adopt_score: float = 0.85
    doubt_score: float = 0.55
    margin: float = 0.08
    window_before_s: float = 3600.0
    window_after_s: float = 2 * 86400.0
    max_distance_m: float = 1000.0

    def window(self, at: datetime) -> tuple[datetime, datetime]:
        return (at - timedelta(seconds=self.window_before_s),
                at + timedelta(seconds=self.window_after_s))


@dataclass(frozen=True)
class Score:
    tracking_id: str
    confidence: float
    text: float
    time: float
    place: float | None


@dataclass(frozen=True)
class Decision:
    kind: Literal["adopt", "doubtful", "none"]
    scores: list[Score] = field(default_factory=list)  # candidates at doubt_score+, best first

    @property
    def best(self) -> Score | None:
        return self.scores[0] if self.scores else None


def normalise(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKC", text).lower()
    words = [w for w in _WORDS.split(folded) if w]
    if words and words[0] == "sambat":
        words = words[1:]
    return [_SPELLED.get(w, w) for w in words]


def text_similarity(a: str, b: str) -> float:
    wa, wb = normalise(a), normalise(b)
    if not wa or not wb:
        return 0.0
    ratio = SequenceMatcher(None, " ".join(wa), " ".join(wb), autojunk=False).ratio()
    short, long_ = (wa, wb) if len(wa) <= len(wb) else (wb, wa)
    if len(short) < 4:
        return ratio
    pool = set(long_)
    contained = sum(w in pool for w in short) / len(short)
    return max(ratio, contained)


def time_score(probe: Probe, cand: Candidate, rule: MatchRule) -> float | None:
    delta = (cand.dibuat - probe.dibuat).total_seconds()
    span = rule.window_after_s if delta >= 0 else rule.window_before_s
    if abs(delta) > span:
        return None
    return 1.0 if span == 0 else 1.0 - abs(delta) / span


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(h))


def place_score(probe: Probe, cand: Candidate, rule: MatchRule) -> float | None:
    if None not in (probe.lat, probe.lng, cand.lat, cand.lng):
        assert probe.lat is not None and probe.lng is not None
        assert cand.lat is not None and cand.lng is not None
        d = distance_m(probe.lat, probe.lng, cand.lat, cand.lng)
        return max(0.0, 1.0 - d / rule.max_distance_m)
    if not cand.lokasi or not (probe.kelurahan or probe.kecamatan):
        return None
    where = " ".join(normalise(cand.lokasi))
    if probe.kelurahan and " ".join(normalise(probe.kelurahan)) in where:
        return 1.0
    if probe.kecamatan and " ".join(normalise(probe.kecamatan)) in where:
        return 0.5
    return 0.0


def score(probe: Probe, cand: Candidate, rule: MatchRule) -> Score | None:
    """The candidate's confidence, or None when it lies outside the time window."""
    when = time_score(probe, cand, rule)
    if when is None:
        return None
    text = text_similarity(probe.isi, cand.isi)
    place = place_score(probe, cand, rule)
    if place is None:
        confidence = 0.8 * text + 0.2 * when
    else:
        confidence = 0.6 * text + 0.15 * when + 0.25 * place
    return Score(cand.tracking_id, round(confidence, 4), round(text, 4), round(when, 4),
                 None if place is None else round(place, 4))


def decide(probe: Probe, candidates: list[Candidate], rule: MatchRule) -> Decision:
    scored = [s for c in candidates if (s := score(probe, c, rule)) is not None
              and s.confidence >= rule.doubt_score]
    scored.sort(key=lambda s: (-s.confidence, s.tracking_id))
    if not scored:
        return Decision("none")
    best = scored[0]
    runner_up = scored[1].confidence if len(scored) > 1 else 0.0
    if best.confidence >= rule.adopt_score and best.confidence - runner_up >= rule.margin:
        return Decision("adopt", scored)
    return Decision("doubtful", scored)


def describe(scores: list[Score], limit: int = 5) -> str:
    """Candidates by tracking id and confidence: no text, no personal data."""
    return ", ".join(f"{s.tracking_id} {s.confidence:.2f}" for s in scores[:limit])
