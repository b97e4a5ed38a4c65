"""The stop and search community review pack on paper: ``report.html`` (self-contained, opens
offline), ``figures.csv`` (every number, tidy, with unit and caveat) and ``sample.csv`` (the
records for the panel to read)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from crimeplan.analysis import indicators
from crimeplan.analysis.indicators import IndicatorRow
from crimeplan.analysis.stop_search_pack import PACK_BREAKDOWNS, SAMPLE_FIELDS, ReviewPack
from crimeplan.csvsafe import write_csv
from crimeplan.report import html, numbers

RATE_COLUMNS = ["group", "searches", "arrests", "arrest_rate_pct", "finds", "find_rate_pct",
                "link_unrecorded"]


@dataclass(frozen=True)
class PackFiles:
    html: Path
    figures: Path
    sample: Path


def pack_rows(pack: ReviewPack) -> list[IndicatorRow]:
    """Every number of the pack as tidy indicator rows."""
    rows = list(pack.overall.rows())
    for breakdown in pack.breakdowns.values():
        rows += breakdown.rows()
    scope, note = pack.scope, "; ".join(pack.notes)
    rows += [IndicatorRow("section_60_searches", "force", scope.label, scope.period, "all",
                          float(pack.section_60.searches), "searches", note),
             IndicatorRow("section_60_share", "force", scope.label, scope.period, "all",
                          100.0 * pack.section_60.share_of_all, "% of searches", note),
             IndicatorRow("more_than_outer_clothing_removed", "force", scope.label,
                          scope.period, "all", float(pack.strip_searches), "searches", note)]
    if pack.disproportionality is not None:
        rows += pack.disproportionality.rows()
    return rows


def write_pack(pack: ReviewPack, out: Path) -> PackFiles:
    """Write the pack's three files into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    files = PackFiles(out / "report.html", out / "figures.csv", out / "sample.csv")
    write_csv(indicators.frame(pack_rows(pack)), files.figures)
    write_csv(pack.sample, files.sample)
    files.html.write_text(_page(pack), encoding="utf-8")
    return files


def _page(pack: ReviewPack) -> str:
    overall = pack.overall.table.iloc[0]
    total = int(overall["searches"])
    summary = html.Section("Summary", "summary")
    summary.add(html.table(pack.overall.table[RATE_COLUMNS[1:]], caption="All searches"))
    summary.add(html.paragraph(
        f"Section 60 (no suspicion needed): {numbers.count(pack.section_60.searches)} searches, "
        f"{numbers.percent(pack.section_60.share_of_all)} of all. Searches removing more than "
        f"outer clothing: {numbers.count(pack.strip_searches)}."))
    summary.add(html.note("Arrest rate = searches with an arrest outcome / searches. Find rate "
                          "= searches whose outcome was linked to the object of search / "
                          "searches where that link was recorded. " + "; ".join(pack.notes)))
    sections = [summary]
    for key, title in PACK_BREAKDOWNS.items():
        section = html.Section(title, key)
        section.add(html.table(pack.breakdowns[key].table[RATE_COLUMNS]))
        sections.append(section)
    s60 = html.Section("Section 60 by officer-defined ethnicity", "section-60")
    s60.add(html.table(pack.section_60.by_ethnicity) if pack.section_60.searches
            else html.paragraph("No section 60 searches in the quarter."))
    sections.append(s60)
    dispro = html.Section("Disproportionality", "disproportionality")
    if pack.disproportionality is None:
        dispro.add(html.note("No population supplied: give --population with a CSV of group, "
                             "population (ONS Census 2021 ethnic group by area, at the level "
                             "of the self-defined groups; see docs/demand.md).", warn=True))
    else:
        d = pack.disproportionality
        dispro.add(html.table(d.table))
        dispro.add(html.note(f"Searches per 1,000 residents of each self-defined ethnic group "
                             f"and the ratio to the {d.reference_group} group's rate. "
                             f"Population: {d.population_label}. Residents are not the "
                             "people present (visitors, commuters), and self-definition is "
                             "not recorded for every search."))
    sections.append(dispro)
    sample = html.Section(f"Records for the panel ({len(pack.sample)})", "sample")
    sample.add(html.table(pack.sample[list(SAMPLE_FIELDS)]))
    sample.add(html.note("A reproducible random sample of the quarter's records, with only the "
                         "fields police.uk publishes and no location; all of them are in "
                         "sample.csv."))
    sections.append(sample)
    intro = [html.paragraph(f"{pack.scope.label}, {pack.quarter} ({pack.scope.period}): "
                            f"{numbers.count(total)} searches.")]
    return html.page(f"Stop and search community review pack: {pack.scope.label}, "
                     f"{pack.quarter}", sections, intro=intro,
                     footer="crimeplan: data.police.uk stop and search records (Open "
                            "Government Licence v3.0).")
