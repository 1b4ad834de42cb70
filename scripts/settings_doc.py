"""The README's settings table, generated from the settings models (``make lint`` checks it).

``python scripts/settings_doc.py`` rewrites the table between the README's markers;
``--check`` exits 1 when it is stale. Every setting needs a line in ``DOCS`` (or a ``description``
on its field): a new setting without one fails the check instead of going undocumented.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel, SecretStr
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from hub.core.settings import PROJECT_ROOT, ChannelSystem, HttpSystem, Settings
from hub.sync.limits import LimitSettings

README = PROJECT_ROOT / "README.md"
START, END = "<!-- settings-table:start -->", "<!-- settings-table:end -->"

HTTP = {
    "base_url": "the system's API root (default: its sandbox simulator on loopback)",
    "token": "bearer token (secret)",
    "timeout_s": "seconds per request",
    "max_attempts": "tries per request, retriable errors only",
    "backoff_base_s": "first retry wait (exponential, jittered)",
    "backoff_max_s": "longest retry wait",
    "concurrency": "requests in flight to this system",
    "transport": "HTTP client: aiohttp or httpx",
    "ca_bundle": "CA bundle (PEM) that signs this system's certificate (never: no verification)",
    "pinned_sha256": "SHA-256 fingerprint of the certificate to trust instead of a CA",
}
DOCS = {
    "lapor.adapter": "LAPOR! API: `json` (assumed integration API at `base_url`) or `legacy_xml` "
                     "(public legacy XML intake at `legacy_base_url`: no lookup, feed, follow-up)",
    "lapor.legacy_base_url": "root of LAPOR!'s legacy API (`/api/stream/addstream`, "
                             "`/api/services/f01/gettopics`), e.g. `https://www.lapor.go.id`",
    "replay_rescan_pages": "most pages such a re-read takes",
    "replay_rescan_days": "how far before a quarantined record a replay re-reads its channel",
    "text_chars": 'per-channel text limit, JSON `{"sambat": …}`',
    "max_text_chars": "longest judul/isi; longer is quarantined `too_large`",
    "intake.max_json_depth": "deepest JSON nesting the intake accepts (400 beyond)",
    "intake.body_bytes": 'per-channel body limit, JSON `{"call112": …}`',
    "intake.max_body_bytes": "largest body the intake stores (413 above it)",
    "sikesal.rescan_ids": "ids below the highest seen that every run re-reads for changes "
                          "(Sikesal has no updated-at column; a change to an older row is seen "
                          "after a `cursor reset`)",
    "sikesal.id_user": "the Sikesal account (`user.id_user`) the hub answers as "
                       "(write-back of LAPOR!'s status and follow-ups)",
    "siasn.sso_token": "a pre-issued SSO access token instead of the password grant (secret)",
    "siasn.sso_password": "SSO operator password (secret)",
    "siasn.sso_username": "SSO operator account (an operator's NIP)",
    "siasn.sso_client_id": "Keycloak client id",
    "siasn.sso_url": "Keycloak SSO token endpoint (password grant)",
    "siasn.token_url": "WSO2 APIM token endpoint (HTTP Basic client credentials)",
    "dukcapil.nik_method": "method name of the NIK read (`CALL_NIK`)",
    "dukcapil.verify_method": "method name of the element check (`CALL_VERIFY_BY_ELEMEN`)",
    "dukcapil.region": "region segment of a regional gateway (`33`, `33-74`)",
    "dukcapil.path_template": "gateway path: central `/dukcapil/get_json/{instansi}/{method}`, "
                              "or regional with `{region}`",
    "dukcapil.min_score": "lowest fuzzy score (0-100) of a name/place verdict counted as a match",
    "database_url": "the ledger: SQLite file or `postgresql+psycopg://user@host/db`",
    "schemas_dir": "JSON schemas of the channels' raw records",
    "mappings_dir": "channel mapping files (one deployment per file)",
    "log_json": "JSON log lines (default: when stderr is not a terminal)",
    "log_level": "DEBUG, INFO, WARNING, ERROR (hub events, in every process and flow run)",
    "dukcapil.user_id": "Dukcapil gateway user",
    "dukcapil.password": "Dukcapil gateway password (secret)",
    "dukcapil.instansi": "instansi sent with each identity check",
    "dukcapil.ip_user": "IP registered with the gateway",
    "dukcapil.threshold": "match score (%) counted as a match",
    "siasn.client_id": "SIASN OAuth client id",
    "siasn.client_secret": "SIASN OAuth client secret (secret)",
    "intake.host": "address the intake binds (0.0.0.0 for a 112 centre on the network)",
    "intake.port": "intake port (`POST /events/<channel>`)",
    "intake.tokens": 'JSON `{"call112": "…"}`: one bearer token per channel that may push',
    "secret_blocks": 'JSON `{"lapor.token": "<Secret block>", …}`: credentials read from '
                     "Prefect Secret blocks at start",
    "page_size": "records per page",
    "overlap_s": "re-read this long before the watermark (dedup makes it cheap)",
    "push_batch_size": "tickets per push task (one claimed batch)",
    "push_concurrency": "POSTs to LAPOR! in flight",
    "sending_lease_s": "a live holder renews it every 10 s; a row whose holder went quiet longer "
                       "is taken over (by lookup first); a holder proved dead at once",
    "ambiguous_settle_s": "after a POST without answer, wait this long before the lookup",
    "max_push_attempts": "then the ticket goes to quarantine with its history",
    "retry_base_s": "first wait before a ticket is pushed again",
    "retry_max_s": "longest wait between pushes of a ticket",
    "identity_cache_ttl_s": "how long a Dukcapil answer is reused",
    "officer_check_s": "how often an instansi's officer is checked in SIASN",
    "open311.public_url": "what Open311 `discovery.json` announces as the endpoint",
    "open311.contact": "contact shown in Open311 discovery",
    "open311.key_service": "where integrators get an Open311 API key",
    "open311.default_jurisdiction": "the city assumed when a call names none (none: "
                                    "`jurisdiction_id` required)",
    "open311.public_read": "Open311 GETs without a key allowed (public view only)",
    "console.secret": "key signing the web console's session cookies (secret; random per "
                      "process when unset: sessions end with a restart)",
    "console.session_hours": "how long a console sign-in lasts",
    "console.prefect_ui_url": "the Prefect UI the console links to",
    "limits.lapor_per_s": "LAPOR! requests per second, shared by all workers",
    "limits.dukcapil_daily_quota": "Dukcapil calls per (rolling) day, shared by all workers",
    "limits.dukcapil_hours": "Dukcapil access hours, WIB (`06:00-18:00`)",
    "limits.dukcapil_wait_s": "first wait for a quota slot before checking the quota is spent",
    "limits.dukcapil_wait_max_s": "longest wait between such checks (waiting is never refusal)",
}
EXTRA = [
    ("`LAPOR_HUB_ENV_FILE`", "`<install>/.env`", "the env file read by every command; never the "
     "working directory"),
    ("`LAPOR_HUB_HOME`", "set by `serve`", "where a worker runs the flows from (prefect.yaml's "
     "pull step; the Docker image sets `/opt/lapor-hub`)"),
    ("`LAPOR_HUB_BACKUP_PG_URL`", "—", "only for `deploy/systemd/lapor-hub-backup.service`: the "
     "ledger's URL in libpq form"),
]


def _default(field: FieldInfo) -> str:
    if field.default_factory is not None:
        value: Any = field.default_factory()  # type: ignore[call-arg]
    elif field.default is PydanticUndefined:
        return "required"
    else:
        value = field.default
    if value is None:
        return "—"
    if isinstance(value, SecretStr):
        return "(secret)"
    text = str(value).replace(str(PROJECT_ROOT), "<install>")
    return f"`{text}`" if text not in ("{}", "[]") else "empty"


def _rows(model: type[BaseModel], prefix: str, env: str, sep: str) -> list[tuple[str, str, str]]:
    rows = []
    for name, field in model.model_fields.items():
        key = f"{prefix}{name}"
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            if issubclass(annotation, HttpSystem):
                rows += _system_rows(annotation, name)
            else:
                rows += _rows(annotation, f"{key}.", f"{env}{name.upper()}__", sep)
            continue
        doc = field.description or DOCS.get(key)
        if doc is None:
            raise SystemExit(f"setting {key!r} has no description: add it to DOCS in {__file__}")
        rows.append((f"`{env}{name.upper()}`", _default(field), doc))
    return rows


def _system_rows(model: type[BaseModel], name: str) -> list[tuple[str, str, str]]:
    env = f"LAPOR_HUB_{name.upper()}__"
    rows = []
    for field_name, field in model.model_fields.items():
        doc = field.description or DOCS.get(f"{name}.{field_name}") or HTTP.get(field_name)
        if doc is None:
            raise SystemExit(f"setting {name}.{field_name} has no description: add it to DOCS")
        shared = HttpSystem.model_fields.get(field_name)
        if field_name != "base_url" and shared is not None and field.default == shared.default:
            continue  # shared HTTP knobs: one row for every system, below
        if field_name in ChannelSystem.model_fields and field_name not in HttpSystem.model_fields:
            continue  # per-channel knobs: one row for every channel, below
        rows.append((f"`{env}{field_name.upper()}`", _default(field), doc))
    return rows


def table() -> str:
    rows = _rows(Settings, "", "LAPOR_HUB_", "__")
    for name, field in HttpSystem.model_fields.items():
        if name != "base_url":
            rows.append((f"`LAPOR_HUB_<SYSTEM>__{name.upper()}`", _default(field), HTTP[name]))
    for name, field in ChannelSystem.model_fields.items():
        if name not in HttpSystem.model_fields:
            rows.append((f"`LAPOR_HUB_<CHANNEL>__{name.upper()}`", _default(field),
                         str(field.description)))
    rows += [(f"`LAPOR_HUB_LIMITS_{n.upper()}`", _default(f), DOCS[f"limits.{n}"])
             for n, f in LimitSettings.model_fields.items()]
    rows += EXTRA
    lines = ["| setting | default | what |", "|---|---|---|"]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    systems = [n.upper() for n, f in Settings.model_fields.items()
               if isinstance(f.annotation, type) and issubclass(f.annotation, HttpSystem)]
    lines.append("")
    lines.append(f"`<SYSTEM>`: {', '.join(f'`{s}`' for s in systems)}.")
    channels = [n.upper() for n, f in Settings.model_fields.items()
                if isinstance(f.annotation, type) and issubclass(f.annotation, ChannelSystem)]
    lines.append(f"`<CHANNEL>`: {', '.join(f'`{c}`' for c in channels)} (112 and Open311 "
                 "are always filed by the hub).")
    return "\n".join(lines)


def rendered(text: str) -> str:
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{table()}\n{END}{tail}"


def main(argv: list[str]) -> int:
    current = README.read_text(encoding="utf-8")
    wanted = rendered(current)
    if "--check" in argv:
        if wanted != current:
            sys.stderr.write("README settings table is stale: run python scripts/settings_doc.py\n")
            return 1
        return 0
    Path(README).write_text(wanted, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
