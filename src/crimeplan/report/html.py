"""Building blocks for self-contained HTML reports.

Every report is one file that opens offline: styles inline, charts as inline SVG (matplotlib)
or inline JavaScript shipped inside a Python wheel (plotly), and no links to scripts, fonts,
styles or map tiles elsewhere. ``assert_self_contained`` checks a page for external references.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import matplotlib

from crimeplan.report import numbers

matplotlib.use("Agg")  # files only, never a window; pyplot itself is imported where drawn

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

#: Prints one number of a table column (see `crimeplan.report.numbers`).
Formatter = Callable[[object], str]

STYLE = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;margin:2rem auto;
max-width:70rem;padding:0 1rem;color:#1b1b1b;line-height:1.45}
h1{font-size:1.7rem;border-bottom:3px solid #1d70b8;padding-bottom:.3rem}
h2{font-size:1.3rem;margin-top:2.2rem;border-bottom:1px solid #b1b4b6}
h3{font-size:1.05rem}
table{border-collapse:collapse;margin:.6rem 0;font-size:.9rem}
th,td{border:1px solid #d0d3d4;padding:.25rem .5rem;text-align:left}
th{background:#f3f2f1}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.note{background:#f3f2f1;border-left:4px solid #1d70b8;padding:.5rem .8rem;margin:.8rem 0}
.warn{background:#fff7e6;border-left:4px solid #f47738;padding:.5rem .8rem;margin:.8rem 0}
figure{margin:1rem 0}
figcaption{font-size:.85rem;color:#505a5f}
nav ul{columns:2}
footer{margin-top:3rem;font-size:.8rem;color:#505a5f}
"""


@dataclass
class Section:
    """One titled section of a report; ``anchor`` is its id for the contents list."""

    title: str
    anchor: str
    parts: list[str] = field(default_factory=list)

    def add(self, fragment: str) -> Section:
        self.parts.append(fragment)
        return self


def esc(text: object) -> str:
    """HTML-escape any value."""
    return html.escape(str(text), quote=True)


def paragraph(text: str, cls: str | None = None) -> str:
    attr = f' class="{cls}"' if cls else ""
    return f"<p{attr}>{esc(text)}</p>"


def note(text: str, warn: bool = False) -> str:
    """A highlighted note (definition, caveat, coverage gap)."""
    return f'<div class="{"warn" if warn else "note"}">{esc(text)}</div>'


def table(frame: pd.DataFrame, *, max_rows: int = 200, float_format: str = "{:,.2f}",
          formats: Mapping[str, Formatter] | None = None, caption: str | None = None) -> str:
    """A DataFrame as an HTML table, numbers right-aligned and missing values blank.

    ``formats`` says how a column's numbers print (e.g. ``numbers.money``); otherwise a column
    whose numbers are all whole prints them as counts (``13``, not ``13.000``), and other
    numbers use ``float_format``.
    """
    head = "".join(f"<th>{esc(c)}</th>" for c in frame.columns)
    shown = frame.head(max_rows)
    columns = [_cells(shown.iloc[:, i].tolist(), (formats or {}).get(name), float_format)
               for i, name in enumerate(shown.columns)]
    rows = ["<tr>" + "".join(cells) + "</tr>" for cells in zip(*columns, strict=True)]
    more = ""
    if len(frame) > max_rows:
        more = f"<p>… {len(frame) - max_rows:,} more rows in the data files.</p>"
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    return f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>{more}"


def _cells(values: list[object], fmt: Formatter | None, float_format: str) -> list[str]:
    """The ``<td>`` cells of one column."""
    present = [v for v in values if not numbers.missing(v)]
    if fmt is None and present and all(numbers.whole(v) for v in present):
        fmt = numbers.count
    cells = []
    for value in values:
        if numbers.missing(value):
            cells.append("<td></td>")
        elif not numbers.is_number(value):
            cells.append(f"<td>{esc(value)}</td>")
        elif fmt is not None:
            cells.append(f'<td class="num">{fmt(value)}</td>')
        elif numbers.whole(value) and not isinstance(value, float):
            cells.append(f'<td class="num">{numbers.count(value)}</td>')
        else:
            cells.append(f'<td class="num">{float_format.format(value)}</td>')
    return cells


def svg_figure(fig: Figure, caption: str | None = None) -> str:
    """A matplotlib figure as inline SVG (the figure is closed)."""
    import matplotlib.pyplot as plt  # already imported by whoever drew the figure

    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")
    plt.close(fig)
    svg = buf.getvalue()
    svg = svg[svg.find("<svg"):]  # drop the XML prolog and DOCTYPE (which names a URL)
    cap = f"<figcaption>{esc(caption)}</figcaption>" if caption else ""
    return f"<figure>{svg}{cap}</figure>"


def page(title: str, sections: Sequence[Section], *, intro: Iterable[str] = (),
         footer: str = "") -> str:
    """A whole self-contained HTML page with a contents list."""
    toc = "".join(f'<li><a href="#{esc(s.anchor)}">{esc(s.title)}</a></li>' for s in sections)
    body = "".join(
        f'<section id="{esc(s.anchor)}"><h2>{esc(s.title)}</h2>{"".join(s.parts)}</section>'
        for s in sections
    )
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{esc(title)}</title><style>{STYLE}</style></head><body>"
        f"<h1>{esc(title)}</h1>{''.join(intro)}<nav><h2>Contents</h2><ul>{toc}</ul></nav>"
        f"{body}<footer>{esc(footer)}</footer></body></html>\n"
    )


_EXTERNAL = re.compile(
    r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//|@import\s+url\(\s*["']?(?:https?:)?//|"""
    r"""url\(\s*["']?(?:https?:)?//""",
    re.IGNORECASE,
)


def external_references(document: str) -> list[str]:
    """Every place where a page would load something from elsewhere (scripts, styles, fonts,
    images, tiles). Plain text mentioning a web address is not a reference."""
    return [m.group(0) for m in _EXTERNAL.finditer(document)]


def assert_self_contained(document: str) -> None:
    """Raise AssertionError if the page loads anything from elsewhere."""
    refs = external_references(document)
    if refs:
        raise AssertionError(f"page loads external resources: {refs[:5]}")
