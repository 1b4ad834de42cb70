"""Small inline SVG charts: no script, no fonts, no network, so the page renders anywhere.

Each function returns one ``<svg>`` element sized by a viewBox, so it scales with the page.
Every label passes through ``html.escape``: channel and agency names are data.
"""

from __future__ import annotations

from html import escape

PALETTE = ["#2563eb", "#16a34a", "#f59e0b", "#dc2626", "#7c3aed", "#0891b2", "#db2777",
           "#65a30d", "#ea580c", "#475569"]
GOOD, WARN, BAD, MUTED = "#16a34a", "#f59e0b", "#dc2626", "#94a3b8"


def _label(name: str, limit: int = 26) -> str:
    """Escaped, and shortened with an ellipsis so long agency codes never run off the left."""
    short = name if len(name) <= limit else name[: limit - 1] + "…"
    return f"<title>{escape(name)}</title>{escape(short)}" if short != name else escape(short)


def _svg(width: int, height: int, body: str, label: str) -> str:
    return (f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
            f'aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg" '
            f'font-family="system-ui, sans-serif" font-size="12">{body}</svg>')


def hbars(items: dict[str, int], label: str, color: str = PALETTE[0]) -> str:
    """Horizontal bars, one per item, value at the end."""
    if not items:
        return _svg(480, 40, '<text x="8" y="24" fill="#64748b">no tickets</text>', label)
    row, left, width = 26, 200, 480  # half a page wide: text at the same size as elsewhere
    top = max(items.values()) or 1
    parts = []
    for i, (name, value) in enumerate(items.items()):
        y = i * row + 4
        w = (width - left - 50) * value / top
        parts.append(f'<text x="{left - 8}" y="{y + 15}" text-anchor="end" fill="#334155">'
                     f'{_label(name)}</text><rect class="bar" x="{left}" y="{y}" width="{w:.1f}" '
                     f'height="{row - 8}" rx="3" fill="{color}"/><text x="{left + w + 6:.1f}" '
                     f'y="{y + 15}" fill="#0f172a">{value}</text>')
    return _svg(width, len(items) * row + 8, "".join(parts), label)


def compliance_bars(items: list[tuple[str, float | None, int]], label: str,
                    target: float = 100.0, width: int = 1000) -> str:
    """Share of SLA stages done in time per group, against the target; grey when nothing due.

    Drawn wide (viewBox 1000) because it spans the page: text keeps the size of the other charts.
    """
    row, left = 28, 230
    span = width - left - 60
    parts = []
    for i, (name, pct, late) in enumerate(items):
        y = i * row + 4
        color = MUTED if pct is None else GOOD if pct >= 90 else WARN if pct >= 70 else BAD
        w = span * (pct or 0) / 100
        text = "nothing due" if pct is None else f"{pct:.0f}%" + (f" · {late} late" if late else "")
        parts.append(f'<text x="{left - 8}" y="{y + 16}" text-anchor="end" fill="#334155">'
                     f'{_label(name, 30)}</text><rect x="{left}" y="{y}" width="{span}" '
                     f'height="{row - 8}" rx="3" fill="#e2e8f0"/><rect class="bar" x="{left}" '
                     f'y="{y}" width="{w:.1f}" height="{row - 8}" rx="3" fill="{color}"/>'
                     f'<text x="{left + 6}" y="{y + 15}" fill="#0f172a">{escape(text)}</text>')
    tx = left + span * target / 100
    height = max(1, len(items)) * row + 8
    parts.append(f'<line x1="{tx:.1f}" x2="{tx:.1f}" y1="0" y2="{height}" stroke="#0f172a" '
                 f'stroke-dasharray="4 3"/><text x="{tx + 4:.1f}" y="{height - 2}" '
                 f'fill="#0f172a" font-size="10">target</text>')
    return _svg(width, height, "".join(parts), label)


def area(points: list[tuple[str, int]], label: str) -> str:
    """Backlog over time: a filled line with the first, middle and last dates on the axis."""
    width, height, pad, base = 480, 200, 36, 170
    if not points:
        return _svg(width, 40, '<text x="8" y="24" fill="#64748b">no days yet</text>', label)
    top = max(v for _, v in points) or 1
    step = (width - 2 * pad) / max(1, len(points) - 1)
    xy = [(pad + i * step, base - (base - 20) * v / top) for i, (_, v) in enumerate(points)]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in xy)
    fill = f"{pad},{base} {line} {xy[-1][0]:.1f},{base}"
    ticks = {0, len(points) // 2, len(points) - 1}
    axis = "".join(f'<text x="{xy[i][0]:.1f}" y="{base + 18}" text-anchor="middle" '
                   f'fill="#64748b">{escape(points[i][0])}</text>' for i in sorted(ticks))
    body = (f'<line x1="{pad}" x2="{width - pad}" y1="{base}" y2="{base}" stroke="#cbd5e1"/>'
            f'<polygon points="{fill}" fill="#2563eb" fill-opacity="0.15"/>'
            f'<polyline class="series" points="{line}" fill="none" stroke="#2563eb" '
            f'stroke-width="2.5"/><text x="{pad}" y="14" fill="#64748b">max {top} open</text>'
            f'<text x="{xy[-1][0]:.1f}" y="{xy[-1][1] - 6:.1f}" text-anchor="end" '
            f'fill="#0f172a">{points[-1][1]}</text>{axis}')
    return _svg(width, height, body, label)


def donut(items: dict[str, int], label: str, colors: dict[str, str] | None = None) -> str:
    """Status breakdown as a ring with a legend; the total in the middle."""
    total = sum(items.values())
    r, c, width = 60, 80, 420
    circumference = 2 * 3.14159265 * r
    parts, offset = [], 0.0
    for i, (name, value) in enumerate(items.items()):
        share = circumference * value / total if total else 0
        color = (colors or {}).get(name) or PALETTE[i % len(PALETTE)]
        parts.append(f'<circle class="slice" cx="{c}" cy="{c}" r="{r}" fill="none" '
                     f'stroke="{color}" stroke-width="26" stroke-dasharray="{share:.2f} '
                     f'{circumference - share:.2f}" stroke-dashoffset="{-offset:.2f}" '
                     f'transform="rotate(-90 {c} {c})"/>')
        parts.append(f'<rect x="180" y="{14 + i * 22}" width="12" height="12" rx="2" '
                     f'fill="{color}"/><text x="198" y="{24 + i * 22}" fill="#334155">'
                     f'{escape(name)}: {value}</text>')
        offset += share
    parts.append(f'<text x="{c}" y="{c + 6}" text-anchor="middle" font-size="20" '
                 f'font-weight="600" fill="#0f172a">{total}</text>')
    height = max(2 * c, 24 + len(items) * 22)
    return _svg(width, height, "".join(parts), label)
