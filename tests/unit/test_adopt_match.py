"""The stated match of a ticket to a city's own LAPOR! report: scores, thresholds, ties."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from hub.sync.adopt_match import (
    Candidate,
    MatchRule,
    Probe,
    decide,
    describe,
    place_score,
    score,
    text_similarity,
)
from simulators.clock import WIB
from simulators.lapor_forwarder import retype

AT = datetime(2026, 11, 20, 8, 0, tzinfo=WIB)
RULE = MatchRule()
ISI = ("Sampah menumpuk di Jl. Ijen dekat Pasar Besar, sudah 5 hari tidak diangkut dan baunya "
       "sampai ke rumah warga.")
PROBE = Probe(isi=ISI, dibuat=AT, kelurahan="Kauman", kecamatan="Klojen")


def cand(tid: str = "LPR1", isi: str = ISI, after_s: float = 900.0,
         lokasi: str | None = "Jl. Ijen, Kauman, Klojen", **kw: float) -> Candidate:
    return Candidate(tid, isi, AT + timedelta(seconds=after_s), lokasi, kw.get("lat"),
                     kw.get("lng"))


def test_an_operators_retyped_copy_is_adopted_with_high_confidence() -> None:
    for seed in range(20):
        copy = retype("Sambat sampah numpuk di Jl. Ijen gak diangkut", random.Random(seed))
        sms = Probe(isi="sampah numpuk di Jl. Ijen gak diangkut", dibuat=AT)
        decision = decide(sms, [cand(isi=copy, lokasi=None)], RULE)
        assert decision.kind == "adopt", (copy, decision)
    assert decide(PROBE, [cand(isi=ISI + " Mohon ditindaklanjuti.")], RULE).kind == "adopt"


def test_scores_by_text_time_and_place() -> None:
    exact = score(PROBE, cand(after_s=0), RULE)
    assert exact is not None and exact.confidence == 1.0
    later = score(PROBE, cand(after_s=RULE.window_after_s / 2), RULE)
    assert later is not None and later.time == 0.5 and later.confidence < exact.confidence
    assert score(PROBE, cand(after_s=RULE.window_after_s + 1), RULE) is None
    assert score(PROBE, cand(after_s=-RULE.window_before_s - 1), RULE) is None
    elsewhere = score(PROBE, cand(lokasi="Jl. Ijen, Sawojajar, Kedungkandang"), RULE)
    assert elsewhere is not None and elsewhere.place == 0.0
    assert elsewhere.confidence < RULE.adopt_score
    assert text_similarity(ISI, "Lampu PJU mati sudah 3 hari di Jl. Veteran") < 0.5


def test_place_by_distance_then_kelurahan_then_kecamatan() -> None:
    gps = Probe(isi=ISI, dibuat=AT, lat=-7.97, lng=112.63)
    assert place_score(gps, cand(lat=-7.97, lng=112.63), RULE) == 1.0
    far = place_score(gps, cand(lat=-7.97, lng=112.64), RULE)  # about 1.1 km east
    assert far == 0.0
    near = place_score(gps, cand(lat=-7.9703, lng=112.63), RULE)  # about 33 m
    assert near is not None and 0.95 < near < 1.0
    assert place_score(PROBE, cand(lokasi="Jl. Ijen, Klojen"), RULE) == 0.5
    assert place_score(PROBE, cand(lokasi=None), RULE) is None
    assert place_score(Probe(isi=ISI, dibuat=AT), cand(), RULE) is None


def test_two_candidates_close_together_are_doubtful_with_both_named() -> None:
    decision = decide(PROBE, [cand("LPR1", after_s=600), cand("LPR2", after_s=1200)], RULE)
    assert decision.kind == "doubtful"
    assert [s.tracking_id for s in decision.scores] == ["LPR1", "LPR2"]
    assert describe(decision.scores) == (f"LPR1 {decision.scores[0].confidence:.2f}, "
                                         f"LPR2 {decision.scores[1].confidence:.2f}")


def test_a_clear_winner_beats_a_weaker_second() -> None:
    weak = cand("LPR2", lokasi="Jl. Ijen, Sawojajar, Kedungkandang")
    decision = decide(PROBE, [weak, cand("LPR1")], RULE)
    assert decision.kind == "adopt" and decision.best is not None
    assert decision.best.tracking_id == "LPR1"


def test_below_adopt_score_is_doubtful_and_below_doubt_score_is_no_match() -> None:
    half = ("Sampah menumpuk di Jl. Ijen dekat Stasiun Kota Baru, sudah 9 hari tidak diangkut "
            "dan TPS penuh.")
    mid = decide(PROBE, [cand(isi=half, lokasi="Jl. Ijen, Klojen")], RULE)
    assert mid.kind == "doubtful" and mid.best is not None
    assert RULE.doubt_score <= mid.best.confidence < RULE.adopt_score
    other = "Lampu PJU di Jl. Veteran mati sudah 3 hari, jalan gelap."
    assert decide(PROBE, [cand(isi=other, lokasi="Jl. Veteran, Sumbersari")], RULE).kind == "none"
    assert decide(PROBE, [], RULE).kind == "none"


def test_thresholds_are_the_rules_own() -> None:
    strict = MatchRule(adopt_score=0.999)
    assert decide(PROBE, [cand(after_s=3600)], strict).kind == "doubtful"
    assert decide(PROBE, [cand(after_s=3600)], RULE).kind == "adopt"
    wide = MatchRule(margin=0.0)
    assert decide(PROBE, [cand("LPR1", after_s=0), cand("LPR2", after_s=1200)], wide).kind == \
        "adopt"
