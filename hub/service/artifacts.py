"""What a sync run stopped, as markdown for the run's Prefect artifact.

Counts by channel, stage and reason with the commands that show and replay the entries; never
raw payloads or personal data (those stay in the ledger, masked by ``quarantine show``).
"""

from __future__ import annotations

from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from hub.ledger.tables import QuarantineRow
from hub.privacy.masking import scrub_text
from hub.sync.summary import ChannelSummary


def quarantine_counts(
    engine: Engine, run_id: str, channels: list[str]
) -> list[tuple[str, str, str, int]]:
    """(channel, stage, reason, entries) quarantined by this run and still open."""
    with Session(engine) as session:
        rows = session.exec(
            select(
                QuarantineRow.channel,
                QuarantineRow.stage,
                QuarantineRow.reason,
                func.count(col(QuarantineRow.id)),
            )
            .where(
                QuarantineRow.run_id == run_id,
                col(QuarantineRow.channel).in_(channels),
                col(QuarantineRow.resolved_at).is_(None),
            )
            .group_by(
                col(QuarantineRow.channel), col(QuarantineRow.stage), col(QuarantineRow.reason)
            )
            .order_by(col(QuarantineRow.channel), col(QuarantineRow.reason))
        ).all()
    return [(c, s, r, int(n)) for c, s, r, n in rows]


def quarantine_markdown(
    engine: Engine, run_id: str, channels: list[str], details_url: str | None = None
) -> str:
    counts = quarantine_counts(engine, run_id, channels)
    if not counts:
        return f"# Quarantine\n\nRun `{run_id}` stopped nothing in {', '.join(channels)}.\n"
    lines = [
        "# Quarantine",
        "",
        f"Records this run (`{run_id}`) stopped with a reason, still open:",
        "",
        "| channel | stage | reason | entries | details |",
        "|---|---|---|---|---|",
    ]
    for channel, stage, reason, n in counts:
        where = (
            f"[list]({details_url}?channel={channel}&reason={reason})"
            if details_url
            else f"`lapor-hub quarantine list --channel {channel} --reason {reason}`"
        )
        lines.append(f"| {channel} | {stage} | {reason} | {n} | {where} |")
    lines += [
        "",
        "Show one (masked): `lapor-hub quarantine show <id>`. After fixing the mapping "
        "or the source: `lapor-hub quarantine replay --reason <reason>`.",
    ]
    return "\n".join(lines) + "\n"


def channel_markdown(engine: Engine, run_id: str, channel: ChannelSummary) -> str:
    """One channel's part of a sync run: its counts, its error if any, what it quarantined."""
    c = channel.model_dump()
    name = c.pop("channel")
    error = c.pop("error")
    lines = [f"# {name}: {'FAILED' if error else 'synced'}", ""]
    if error:
        lines += [f"**Could not sync:** {scrub_text(str(error))}", ""]
    lines += ["| " + " | ".join(c) + " |", "|" + "---|" * len(c),
              "| " + " | ".join(str(v) for v in c.values()) + " |", ""]
    body = quarantine_markdown(engine, run_id, [name]).replace("# Quarantine", "## Quarantine")
    return "\n".join(lines) + "\n" + body
