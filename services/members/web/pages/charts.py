"""Bar charts drawn on the server as SVG, so a report needs no script and prints as it shows.

One chart: months along the bottom, one bar a month per series, side by side. A hidden value (a
string, in the funder-safe version) draws no bar: "fewer than 5" is marked "<5", any other marker
(a figure hidden so that a smaller one cannot be worked out) "–". Nothing about it is drawn, so the
chart shows no more than the table.
"""

from __future__ import annotations

from html import escape

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 70, 10, 30, 40
COLOURS = ("#1f6f5c", "#c4662a", "#5b4b8a")


def bar_chart(title: str, labels: list[str], series: dict[str, list[int | str | None]],
              money: bool = False) -> str:
    """Return an SVG bar chart of the series (name -> one value per label)."""
    values = [value for column in series.values() for value in column if isinstance(value, int)]
    top = max([*values, 1])
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_width / max(len(labels), 1)
    bar = slot * 0.8 / max(len(series), 1)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
             f'aria-label="{escape(title)}" class="chart">',
             f'<title>{escape(title)}</title>',
             f'<text x="{LEFT}" y="18" font-size="14" font-weight="bold">{escape(title)}</text>',
             f'<line x1="{LEFT}" y1="{TOP + plot_height}" x2="{WIDTH - RIGHT}" y2="{TOP + plot_height}" '
             'stroke="#333"/>',
             f'<text x="{LEFT - 6}" y="{TOP + 4}" font-size="11" text-anchor="end">{_axis(top, money)}</text>',
             f'<text x="{LEFT - 6}" y="{TOP + plot_height}" font-size="11" text-anchor="end">0</text>']
    for index, label in enumerate(labels):
        x0 = LEFT + index * slot + slot * 0.1
        for number, (name, column) in enumerate(series.items()):
            value, x = column[index], x0 + number * bar
            if isinstance(value, int):
                height = plot_height * max(value, 0) / top
                parts.append(f'<rect x="{x:.1f}" y="{TOP + plot_height - height:.1f}" width="{bar:.1f}" '
                             f'height="{height:.1f}" fill="{COLOURS[number % len(COLOURS)]}">'
                             f'<title>{escape(name)}, {escape(label)}: {_axis(value, money)}</title></rect>')
            elif value is not None:
                mark = "<5" if value == "fewer than 5" else "–"
                parts.append(f'<text x="{x + bar / 2:.1f}" y="{TOP + plot_height - 4}" font-size="9" '
                             f'text-anchor="middle">{escape(mark)}<title>{escape(name)}, {escape(label)}: '
                             f'{escape(str(value))}</title></text>')
        parts.append(f'<text x="{x0 + slot * 0.4:.1f}" y="{HEIGHT - BOTTOM + 16}" font-size="11" '
                     f'text-anchor="middle">{escape(label)}</text>')
    for number, name in enumerate(series):
        x = LEFT + number * 170
        parts.append(f'<rect x="{x}" y="{HEIGHT - 14}" width="10" height="10" '
                     f'fill="{COLOURS[number % len(COLOURS)]}"/>'
                     f'<text x="{x + 14}" y="{HEIGHT - 5}" font-size="11">{escape(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _axis(value: int, money: bool) -> str:
    return f"£{value / 100:,.0f}" if money else f"{value:,}"
