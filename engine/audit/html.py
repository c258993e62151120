"""``render_html``: a ``FairnessReport`` as one self-contained HTML page.

Tables of every LL144 table and of the metrics beside them, with plots drawn by matplotlib
(no pyplot state: one ``Figure`` per plot) and embedded as base64 PNG, so the page loads no
resource from anywhere: no script, no font, no stylesheet link. Every text from the report
goes through ``html.escape``. The words are those of an assessment: rates, impact ratios
and intervals to read, the 0.8 line drawn as information, never a verdict on the ranking.

Example:
    >>> Path("audit.html").write_text(render_html(eng.audit()))   # doctest: +SKIP
"""

from __future__ import annotations

import base64
import html
import io
import math
from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

from engine.results import CalibrationRow, FairnessReport, GroupMetric, RateTable

FOUR_FIFTHS = 0.8
INTRO = (
    "An assessment after NYC Local Law 144 (6 RCNY 5-301): selection and scoring rates per "
    "category, impact ratios, and beside them equal opportunity, calibration and exposure. "
    "These numbers are for people to assess; they do not certify a ranking."
)
STYLE = """
body { font-family: sans-serif; margin: 2em auto; max-width: 72em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 0.9em; }
th, td { border: 1px solid #bbb; padding: 0.25em 0.6em; text-align: right; }
th:first-child, td:first-child { text-align: left; }
tr.excluded td { color: #777; }
.flag { color: #a40; font-weight: bold; }
.note { color: #555; font-size: 0.9em; }
img { max-width: 100%; }
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _label(category: Sequence[str]) -> str:
    return " × ".join(category)


def _f(x: float | None, digits: int = 3) -> str:
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}f}"


def _png(fig: Figure) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight", metadata={"Software": None})
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img alt="plot" src="data:image/png;base64,{data}">'


# ---------------------------------------------------------------------------------- plots
def rate_plot(table: RateTable) -> str:
    """Rates with their intervals, and impact ratios with the 0.8 line (information)."""
    rows = table.rows
    labels = [_label(r.category) for r in rows]
    y = np.arange(len(rows))
    fig = Figure(figsize=(10, 0.45 * len(rows) + 1.6))
    left, right = fig.subplots(1, 2, sharey=True)
    colours = ["#999" if r.excluded_reason else "#3a6ea5" for r in rows]
    rates = np.array([r.rate for r in rows])
    err = np.array([[r.rate - r.ci_low, r.ci_high - r.rate] for r in rows]).T
    bars = left.barh(y, rates, xerr=err, color=colours, capsize=3)
    for bar, r in zip(bars, rows, strict=True):
        if r.insufficient_evidence:
            bar.set_hatch("//")
    name = "selection rate" if table.kind == "selection" else "scoring rate"
    left.set_xlabel(f"{name} (95 % interval)")
    left.set_yticks(y, labels)
    left.invert_yaxis()
    ratios = np.array([r.impact_ratio if r.impact_ratio is not None else np.nan for r in rows])
    lo = [r.impact_ratio - r.impact_ratio_ci[0] if r.impact_ratio_ci else 0 for r in rows]
    hi = [r.impact_ratio_ci[1] - r.impact_ratio if r.impact_ratio_ci else 0 for r in rows]
    right.barh(y, np.nan_to_num(ratios), xerr=[lo, hi], color=colours, capsize=3)
    right.axvline(FOUR_FIFTHS, color="#a40", linestyle="--", linewidth=1)
    right.text(FOUR_FIFTHS, -0.9, " 0.8 (information)", color="#a40", fontsize=8)
    right.set_xlabel("impact ratio (95 % interval); grey: left out of the ratios")
    right.set_xlim(0, max(1.05, float(np.nanmax(ratios, initial=0)) + 0.05))
    fig.suptitle(f"{name} by {' × '.join(table.attributes)}; hatched: insufficient evidence")
    return _png(fig)


def heat_map(table: RateTable) -> str:
    """Impact ratio of each intersectional category (colour), with its rate, impact ratio
    (IR; "out" when left out of the ratios) and rows in each cell."""
    first = sorted({r.category[0] for r in table.rows})
    second = sorted({r.category[1] for r in table.rows})
    grid = np.full((len(first), len(second)), np.nan)
    fig = Figure(figsize=(1.3 * len(second) + 3, 0.6 * len(first) + 1.8))
    ax = fig.subplots()
    for r in table.rows:
        i, j = first.index(r.category[0]), second.index(r.category[1])
        if r.impact_ratio is not None:
            grid[i, j] = r.impact_ratio
        ratio = "out" if r.impact_ratio is None else f"IR {r.impact_ratio:.2f}"
        text = f"{r.rate:.3g}\n{ratio}\nn={r.n:,}"
        text += " *" if r.insufficient_evidence else ""
        ax.text(j, i, text, ha="center", va="center", fontsize=7)
    image = ax.imshow(grid, cmap="RdYlBu", vmin=0, vmax=1, aspect="auto")
    fig.colorbar(image, ax=ax, label="impact ratio (blank: left out)")
    ax.set_xticks(range(len(second)), second, rotation=30, ha="right")
    ax.set_yticks(range(len(first)), first)
    ax.set_xlabel(table.attributes[1])
    ax.set_ylabel(table.attributes[0])
    ax.set_title(f"{table.kind} rate per intersection; * insufficient evidence")
    return _png(fig)


def calibration_plot(rows: Sequence[CalibrationRow]) -> str:
    """Mean score against the observed positive rate per category."""
    fig = Figure(figsize=(5, 4))
    ax = fig.subplots()
    for r in rows:
        err = [[r.observed_rate - r.ci_low], [r.ci_high - r.observed_rate]]
        ax.errorbar(
            r.mean_score, r.observed_rate, yerr=err, fmt="o", capsize=3, label=_label(r.category)
        )
    top = max([0.05] + [max(r.mean_score, r.ci_high) for r in rows]) * 1.1
    ax.plot([0, top], [0, top], color="#999", linewidth=1, linestyle=":")
    ax.set_xlabel("mean merit score")
    ax.set_ylabel("observed positive rate (95 % interval)")
    ax.set_title("calibration by group (dotted: score = rate)")
    ax.legend(fontsize=8, loc="best")
    return _png(fig)


# --------------------------------------------------------------------------------- tables
def rate_table_html(table: RateTable) -> str:
    """One LL144 table as HTML."""
    rate = {"selection": "selection rate", "override": "override rate"}.get(
        table.kind, "scoring rate"
    )
    hits = {"selection": "selected", "override": "overridden"}.get(table.kind, "above median")
    head = ["category", "rows", "people", "share", hits, rate, "95 % interval", "impact ratio"]
    head += ["95 % interval", "evidence", "left out of the ratios because"]
    out = ["<table><tr>" + "".join(f"<th>{_e(h)}</th>" for h in head) + "</tr>"]
    for r in table.rows:
        ci = r.impact_ratio_ci
        cells = [
            _label(r.category),
            f"{r.n:,}",
            f"{r.people:,}",
            f"{r.share:.2%}",
            f"{r.hits:,}",
            _f(r.rate, 4),
            f"{_f(r.ci_low, 4)}–{_f(r.ci_high, 4)}",
            _f(r.impact_ratio),
            f"{_f(ci[0])}–{_f(ci[1])}" if ci else "–",
        ]
        flag = '<span class="flag">insufficient evidence</span>' if r.insufficient_evidence else ""
        row_class = ' class="excluded"' if r.excluded_reason else ""
        out.append(
            f"<tr{row_class}>"
            + "".join(f"<td>{_e(c)}</td>" for c in cells)
            + f"<td>{flag}</td><td>{_e(r.excluded_reason or '')}</td></tr>"
        )
    out.append("</table>")
    summary = [
        (
            f"Impact ratio (lowest over highest, categories in the ratios): "
            f"{_f(table.impact_ratio)}; reference category: "
            f"{_label(table.reference) if table.reference else '–'}; difference of rates "
            f"(demographic parity difference): {_f(table.difference)}."
        ),
        f"Unknown category: {table.unknown_rows:,} rows, {table.unknown_people:,} people.",
    ]
    if table.median_score is not None:
        summary.insert(0, f"Median score of all rows: {_f(table.median_score, 4)}.")
    if table.below_four_fifths:
        below = ", ".join(_label(c) for c in table.below_four_fifths)
        summary.append(f"Impact ratio under 0.8 (information, not a verdict): {below}.")
    return "".join(out) + "".join(f"<p>{_e(s)}</p>" for s in summary)


def metric_html(metric: GroupMetric) -> str:
    """A metric beside the tables: per-category values and its summary."""
    out = [f"<h3>{_e(metric.name)} (reference: {_e(metric.reference)})</h3>"]
    out.append(f"<p>{_e(metric.summary)}: <b>{_e(_f(metric.value))}</b></p>")
    out.append("<table><tr><th>category</th><th>n</th><th>value</th><th>95 % interval</th>")
    out.append("<th>evidence</th></tr>")
    for g in metric.groups:
        interval = f"{_f(g.ci_low)}–{_f(g.ci_high)}" if g.ci_low is not None else "–"
        flag = "insufficient evidence" if g.insufficient_evidence else ""
        out.append(
            f"<tr><td>{_e(_label(g.category))}</td><td>{g.n:,}</td><td>{_e(_f(g.value))}</td>"
            f"<td>{_e(interval)}</td><td class='flag'>{_e(flag)}</td></tr>"
        )
    out.append("</table>")
    if metric.note:
        out.append(f"<p class='note'>{_e(metric.note)}</p>")
    return "".join(out)


def calibration_html(report: FairnessReport) -> str:
    head = ["category", "n", "mean score", "observed rate", "95 % interval", "gap", "evidence"]
    out = ["<table><tr>" + "".join(f"<th>{_e(h)}</th>" for h in head) + "</tr>"]
    for r in report.calibration:
        cells = [
            _label(r.category),
            f"{r.n:,}",
            _f(r.mean_score),
            _f(r.observed_rate),
            f"{_f(r.ci_low)}–{_f(r.ci_high)}",
            _f(r.gap),
            "insufficient evidence" if r.insufficient_evidence else "",
        ]
        out.append("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in cells) + "</tr>")
    out.append("</table>")
    return "".join(out)


def decision_counts_html(report: FairnessReport) -> str:
    """Accept, reject and override counts and rates, over all, per role, per reviewer."""
    head = ["by", "key", "decisions", "accepted", "rejected", "overridden", "accept rate"]
    head += ["reject rate", "override rate", "95 % interval", "evidence"]
    out = ["<table><tr>" + "".join(f"<th>{_e(h)}</th>" for h in head) + "</tr>"]
    for c in report.decision_counts:
        cells = [
            c.by,
            c.key,
            f"{c.decisions:,}",
            f"{c.accepted:,}",
            f"{c.rejected:,}",
            f"{c.overridden:,}",
            _f(c.accept_rate),
            _f(c.reject_rate),
            _f(c.override_rate),
            f"{_f(c.override_ci[0])}–{_f(c.override_ci[1])}",
        ]
        flag = '<span class="flag">insufficient evidence</span>' if c.insufficient_evidence else ""
        out.append("<tr>" + "".join(f"<td>{_e(x)}</td>" for x in cells) + f"<td>{flag}</td></tr>")
    return "".join(out) + "</table>"


def render_html(report: FairnessReport) -> str:
    """The whole report as one self-contained HTML page."""
    attrs = report.attribute + (f" × {report.intersect}" if report.intersect else "")
    facts = {
        "source": report.source,
        "pool": report.pool,
        "attribute": attrs,
        "k (top k selected)": report.k if report.k is not None else "–",
        "model version": report.model_version or "–",
        "roles": f"{report.queries:,}",
        "rows (pairs)": f"{report.rows:,}",
        "people": f"{report.people:,}",
        "minimum people per category": report.min_n,
        "smallest share in the ratios": f"{report.min_share:.0%}",
    }
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>Bias audit: {_e(attrs)} ({_e(report.source)})</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<h1>Bias audit of the {_e(report.source)}: {_e(attrs)}</h1>",
        f"<p>{_e(INTRO)}</p>",
        "<table>"
        + "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in facts.items())
        + "</table>",
        "<ul>" + "".join(f"<li class='note'>{_e(n)}</li>" for n in report.notes) + "</ul>",
        "<h2>Selection</h2>",
        rate_table_html(report.selection),
        rate_plot(report.selection),
    ]
    if report.scoring is not None:
        parts += ["<h2>Scoring</h2>", rate_table_html(report.scoring), rate_plot(report.scoring)]
    for title, table in (
        ("Intersections: selection", report.intersection_selection),
        ("Intersections: scoring", report.intersection_scoring),
    ):
        if table is not None:
            parts += [f"<h2>{_e(title)}</h2>", rate_table_html(table), heat_map(table)]
    if report.overrides is not None:
        parts += [
            "<h2>Overrides by category</h2>",
            "<p class='note'>Share of each category's decisions that overrode the ranking.</p>",
            rate_table_html(report.overrides),
        ]
    if report.decision_counts:
        parts += ["<h2>Decisions per role and per reviewer</h2>", decision_counts_html(report)]
    parts.append("<h2>Beside the LL144 tables</h2>")
    for metric in (report.equal_opportunity, report.exposure):
        if metric is not None:
            parts.append(metric_html(metric))
    if report.calibration:
        parts += [
            f"<h3>calibration by group (reference: {_e(report.calibration_reference)})</h3>",
            calibration_html(report),
            calibration_plot(report.calibration),
        ]
    parts.append("</body></html>")
    return "\n".join(parts)
