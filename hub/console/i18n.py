"""Bahasa Indonesia first, English on request: one message catalogue, dates as people write them.

Times are shown in the zone of the ticket's city (WIB, WITA or WIT), found from the province part
of the city's kode_kabkota in its channel mapping, so an officer in Samarinda reads WITA.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

LANGS = ("id", "en")
MONTHS = {
    "id": ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"],
    "en": ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
}
# Province codes (the first two digits of kode_kabkota) east of WIB.
WITA_PROVINCES = frozenset({"51", "52", "53", "63", "64", "65", "71", "72", "73", "74", "75",
                            "76"})
WIT_PROVINCES = frozenset({"81", "82", "91", "92", "93", "94", "95", "96", "97"})
ZONES = {"WIB": ZoneInfo("Asia/Jakarta"), "WITA": ZoneInfo("Asia/Makassar"),
         "WIT": ZoneInfo("Asia/Jayapura")}

MESSAGES: dict[str, tuple[str, str]] = {
    "app": ("Konsol lapor-hub", "lapor-hub console"),
    "skip": ("Langsung ke isi", "Skip to content"),
    "nav": ("Navigasi utama", "Main navigation"),
    "overview": ("Ringkasan", "Overview"),
    "tickets": ("Tiket", "Tickets"),
    "ops": ("Operasional", "Operations"),
    "signin": ("Masuk", "Sign in"),
    "signout": ("Keluar", "Sign out"),
    "signin_title": ("Masuk ke konsol", "Sign in to the console"),
    "apikey": ("Kunci API", "API key"),
    "apikey_help": ("Kunci dari `lapor-hub apikey create`; ditukar dengan sesi, tidak disimpan "
                    "di peramban.", "A key from `lapor-hub apikey create`; exchanged for a "
                    "session, never stored in the browser."),
    "bad_key": ("Kunci tidak valid atau sudah dicabut.", "Invalid or revoked key."),
    "bad_form": ("Formulir kedaluwarsa; silakan coba lagi.", "The form expired; try again."),
    "role": ("Peran", "Role"),
    "language": ("Bahasa", "Language"),
    "period": ("Periode", "Period"),
    "show": ("Tampilkan", "Show"),
    "as_of": ("per", "as of"),
    "in": ("Masuk", "In"),
    "done": ("Selesai", "Done"),
    "open": ("Dalam proses", "In process"),
    "channel": ("Kanal", "Channel"),
    "instansi": ("Instansi (OPD)", "Agency (OPD)"),
    "sla_state": ("Status SLA", "SLA state"),
    "on_time": ("Tepat waktu", "On time"),
    "at_risk": ("Berisiko", "At risk"),
    "late": ("Terlambat", "Late"),
    "met": ("Terpenuhi", "Met"),
    "missed": ("Terlewat", "Missed"),
    "waiting": ("Menunggu", "Waiting"),
    "compliance": ("Kepatuhan", "Compliance"),
    "worst": ("Paling tertinggal", "Worst offenders"),
    "backlog": ("Tunggakan 30 hari terakhir (tiket terbuka di akhir hari)",
                "Backlog over the last 30 days (open tickets at each day's end)"),
    "quarantine": ("Karantina", "Quarantine"),
    "quarantine_open": ("entri karantina terbuka", "open quarantine entries"),
    "live": ("Diperbarui otomatis tiap 30 detik", "Refreshes itself every 30 s"),
    "filters": ("Saring", "Filters"),
    "bad_filters": ("Saringan tidak valid.", "Invalid filters."),
    "all": ("Semua", "All"),
    "lapor_status": ("Status SP4N-LAPOR!", "SP4N-LAPOR! status"),
    "channel_status": ("Status kanal", "Channel status"),
    "from": ("Dari", "From"),
    "to": ("Sampai", "To"),
    "search": ("Cari teks", "Search text"),
    "sort": ("Urutkan", "Sort"),
    "sort_new": ("Terbaru", "Newest"),
    "sort_age": ("Terlama", "Oldest"),
    "sort_sla": ("Sisa waktu SLA", "SLA time left"),
    "apply": ("Terapkan", "Apply"),
    "csv": ("Unduh CSV (saringan ini)", "Download CSV (this filter)"),
    "next": ("Halaman berikut", "Next page"),
    "first": ("Halaman pertama", "First page"),
    "none": ("Tidak ada tiket.", "No tickets."),
    "title": ("Judul", "Title"),
    "created": ("Dibuat", "Created"),
    "deadline": ("Tenggat", "Deadline"),
    "officer": ("Petugas", "Officer"),
    "tracking": ("Nomor tiket LAPOR!", "LAPOR! tracking id"),
    "not_sent": ("belum terkirim", "not sent yet"),
    "both_sides": ("Status di kedua sisi", "Status on both sides"),
    "agreed": ("Terakhir sepakat", "Last agreed"),
    "never_agreed": ("belum pernah tercatat sepakat", "not yet seen in agreement"),
    "transfers": ("Riwayat penugasan", "Assignment history"),
    "follow_ups": ("Tindak lanjut yang diteruskan", "Follow-ups relayed"),
    "sla_clock": ("Jam SLA per tahap", "SLA clock per stage"),
    "stage": ("Tahap", "Stage"),
    "started": ("Mulai", "Started"),
    "done_at": ("Selesai pada", "Done at"),
    "audit": ("Jejak audit", "Audit trail"),
    "location": ("Lokasi", "Location"),
    "coordinates": ("Koordinat", "Coordinates"),
    "reporter": ("Pelapor", "Reporter"),
    "anonymous": ("Anonim", "Anonymous"),
    "withheld": ("Dirahasiakan", "Withheld"),
    "text": ("Isi aduan", "Complaint"),
    "not_found": ("Tiket tidak ditemukan", "Ticket not found"),
    "not_found_body": ("Tiket ini tidak ada atau bukan bagian Anda.",
                       "This ticket does not exist or is not yours."),
    "forbidden": ("Halaman ini hanya untuk integrator.", "This page is for integrators only."),
    "reason": ("Alasan", "Reason"),
    "entries": ("Entri", "Entries"),
    "replay": ("Putar ulang", "Replay"),
    "replay_group": ("Putar ulang semua", "Replay all"),
    "replay_confirm": ("Putar ulang melalui skema dan pemetaan saat ini?",
                       "Replay through the current schema and mapping?"),
    "confirm": ("Ya, putar ulang", "Yes, replay"),
    "cancel": ("Batal", "Cancel"),
    "replayed": ("diputar ulang", "replayed"),
    "still_failing": ("masih gagal", "still failing"),
    "raw": ("Rekaman mentah (data pribadi disamarkan)", "Raw record (personal data masked)"),
    "runs": ("Proses terakhir per kanal", "Last runs per channel"),
    "run": ("Proses", "Run"),
    "events": ("Peristiwa", "Events"),
    "prefect": ("buka di Prefect UI", "open in the Prefect UI"),
    "detail": ("Rincian", "Detail"),
    "ticket": ("Tiket", "Ticket"),
    "time": ("Waktu", "Time"),
    "event": ("Peristiwa", "Event"),
    "yes": ("ya", "yes"),
    "no": ("tidak", "no"),
    "back": ("Kembali ke daftar", "Back to the list"),
    "tickets_in_period": ("tiket dalam periode", "tickets in the period"),
}


def lang_of(value: str | None) -> str:
    return value if value in LANGS else "id"


def translate(lang: str, key: str) -> str:
    pair = MESSAGES.get(key)
    if pair is None:
        return key
    return pair[LANGS.index(lang)]


def zone_label(kode_kabkota: str | None) -> str:
    province = (kode_kabkota or "")[:2]
    if province in WITA_PROVINCES:
        return "WITA"
    if province in WIT_PROVINCES:
        return "WIT"
    return "WIB"


def day(value: date, lang: str) -> str:
    """``3 Des 2026``."""
    return f"{value.day} {MONTHS[lang][value.month - 1]} {value.year}"


def moment(value: datetime | None, lang: str, zone: str = "WIB") -> str:
    """``3 Des 2026 09.15 WITA`` (Indonesian writes the time with a dot)."""
    if value is None:
        return "–"
    local = value.astimezone(ZONES.get(zone, ZONES["WIB"]))
    sep = "." if lang == "id" else ":"
    return f"{day(local.date(), lang)} {local:%H}{sep}{local:%M} {zone}"
