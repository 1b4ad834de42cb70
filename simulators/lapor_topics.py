"""The sandbox LAPOR!'s topics (*topik*), served by ``gettopics`` in the legacy data API's shape.

One row is a public fact: ``{"id": "13", "parent": "3", "topic_name": "Teknologi Informasi dan
Komunikasi"}``; the other ids and names are the sandbox's own. A deployment copies LAPOR!'s list
into ``mappings/lapor_topics.yaml`` (a test keeps that copy equal to this list).
"""

from __future__ import annotations

# (id, parent, name); parent 0 = top level.
TOPICS: tuple[tuple[int, int, str], ...] = (
    (1, 0, "Infrastruktur"),
    (2, 0, "Lingkungan Hidup dan Kehutanan"),
    (3, 0, "Komunikasi dan Informatika"),
    (4, 0, "Ketentraman dan Ketertiban Umum"),
    (5, 0, "Penanggulangan Bencana"),
    (6, 0, "Administrasi Kependudukan"),
    (7, 0, "Perizinan dan Investasi"),
    (8, 0, "Lainnya"),
    (11, 1, "Jalan dan Jembatan"),
    (12, 1, "Penerangan Jalan Umum"),
    (13, 3, "Teknologi Informasi dan Komunikasi"),
    (14, 1, "Drainase"),
    (21, 2, "Persampahan"),
    (22, 2, "Pohon dan Taman Kota"),
    (41, 4, "Parkir Liar"),
    (42, 4, "Pedagang Kaki Lima"),
)


def gettopics_body() -> list[dict[str, str]]:
    """The answer of ``POST /api/services/f01/gettopics``: digits in strings, as LAPOR! sends."""
    return [{"id": str(i), "parent": str(p), "topic_name": name} for i, p, name in TOPICS]
